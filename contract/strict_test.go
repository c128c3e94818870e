package contract

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

const openSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /open:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                additionalProperties: true
                properties:
                  id: {type: integer}
  /closed:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: integer}
                  errors:
                    type: object
                    additionalProperties: {type: array, items: {type: string}}
`

func TestUndeclaredRespectsAdditionalProperties(t *testing.T) {
	spec, err := loadSpec([]byte(openSpec))
	require.NoError(t, err)
	c := newChecker(spec, true, NewRedactor(), repro{redact: NewRedactor()})
	run := func(path, body string, hdr http.Header) []Finding {
		ex := &exchange{Scenario: "s", Step: "x", Method: "GET", APIPath: path, Status: 200, Header: hdr, Body: []byte(body)}
		ex.Op = spec.route("GET", path)
		ex.Header.Set("Content-Type", "application/json")
		ex.decode()
		return c.undeclared(ex)
	}
	require.Empty(t, run("/open", `{"id":1,"bio":"x"}`, http.Header{}), "explicit additionalProperties: true is open")
	got := run("/closed", `{"id":1,"bio":"x","errors":{"name":["is missing"]}}`, http.Header{"X-Runtime": {"0.1"}, "Strict-Transport-Security": {"max-age=1"}, "Ratelimit-Limit": {"60"}})
	require.Len(t, got, 2, "%v", got)
	require.Equal(t, "$.bio", got[0].Field)
	require.Equal(t, "header Ratelimit-Limit", got[1].Field)
	require.Equal(t, SeverityError, got[0].Severity, "--strict")
}
