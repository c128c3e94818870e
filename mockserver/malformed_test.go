package mockserver_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestMalformedStrings drives GitLab's HandleMalformedStrings over HTTP: NUL or invalid UTF-8
// in the path, the query, a form or JSON body (to the depth GitLab checks) or the credentials
// gets 400 text/plain "Bad Request" before authentication; nothing is stored.
func TestMalformedStrings(t *testing.T) {
	basic := func(userpass string) map[string]string {
		return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(userpass))}
	}
	form := "application/x-www-form-urlencoded"
	const pk = `"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}`
	cases := []struct {
		name string
		req  request
		bad  bool // true: GitLab's 400 Bad Request; false: the request goes on (status not 400 text/plain)
	}{
		{"NUL in a JSON name", request{method: "POST", path: addCluster, token: "maintainer-token", body: `{"name":"a\u0000b",` + pk + `}`}, true},
		{"NUL in a JSON nested value", request{method: "POST", path: addCluster, token: "maintainer-token",
			body: `{"name":"a","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t\u0000"}}`}, true},
		{"NUL at depth 2 in JSON", request{method: "PUT", path: cluster18, token: "maintainer-token", body: `{"a":[{"b":"\u0000"}]}`}, true},
		{"NUL below depth 2 in JSON is not checked", request{method: "PUT", path: cluster18, token: "maintainer-token",
			body: `{"a":[{"b":{"c":[{"d":"\u0000"}]}}]}`}, false},
		{"NUL in a top-level JSON array", request{method: "PUT", path: cluster18, token: "maintainer-token", body: `["\u0000"]`}, true},
		{"invalid UTF-8 in JSON", request{method: "POST", path: addCluster, token: "maintainer-token", body: "{\"name\":\"mal\xc0formed\"," + pk + "}"}, true},
		{"NUL in a form name", request{method: "POST", path: addCluster, token: "maintainer-token", contentType: form,
			body: "name=a%00b&platform_kubernetes_attributes%5Bapi_url%5D=https%3A%2F%2Fk.example.com&platform_kubernetes_attributes%5Btoken%5D=t"}, true},
		{"NUL at form depth 2", request{method: "PUT", path: cluster18, token: "maintainer-token", contentType: form, body: "a%5Bb%5D%5Bc%5D=%00"}, true},
		{"NUL at form depth 3 is not checked", request{method: "PUT", path: cluster18, token: "maintainer-token", contentType: form, body: "a%5Bb%5D%5Bc%5D%5Bd%5D=%00"}, false},
		{"invalid UTF-8 in a form value", request{method: "PUT", path: cluster18, token: "maintainer-token", contentType: form, body: "name=mal%c0formed"}, true},
		{"invalid UTF-8 at form depth 3", request{method: "PUT", path: cluster18, token: "maintainer-token", contentType: form, body: "a[b][c][d]=%c0"}, true},
		{"NUL in a query value", request{method: "GET", path: clusters + "?page=1%00", token: "maintainer-token"}, true},
		{"invalid UTF-8 in a query key", request{method: "GET", path: clusters + "?%c0=1", token: "maintainer-token"}, true},
		{"bad escape in the query", request{method: "GET", path: clusters + "?page=%zz", token: "maintainer-token"}, true},
		{"semicolon in the query is fine", request{method: "GET", path: clusters + "?page=1;x", token: "maintainer-token"}, false},
		{"NUL in the path", request{method: "GET", path: "/api/v4/projects/1%00/clusters", token: "maintainer-token"}, true},
		{"invalid UTF-8 in the path", request{method: "GET", path: "/api/v4/projects/mal%c0formed/clusters", token: "maintainer-token"}, true},
		{"NUL in an unknown route", request{method: "GET", path: "/api/v4/nothing%00here"}, true},
		{"NUL in a Basic password", request{method: "GET", path: clusters, header: basic("root:pass\x00word")}, true},
		{"invalid UTF-8 in a Basic user", request{method: "GET", path: clusters, header: basic("ro\xc3:password")}, true},
		{"valid UTF-8 in a Basic password", request{method: "GET", path: clusters, header: basic("root:RçKszEwéC5kFnû∆f")}, false},
		{"invalid UTF-8 in a Bearer token", request{method: "GET", path: clusters, header: map[string]string{"Authorization": "Bearer mal\xc0formed"}}, true},
		{"checked before authentication", request{method: "POST", path: addCluster, body: `{"name":"a\u0000b"}`}, true},
		{"clean request", request{method: "GET", path: clusters, token: "maintainer-token"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := mocktest.StartServer(t)
			before := string(s.Export().JSON())
			got := do(t, srv, tc.req)
			isBad := got.status == 400 && got.header.Get("Content-Type") == "text/plain" && string(got.body) == "Bad Request"
			assert.Equal(t, tc.bad, isBad, "%d %s %s", got.status, got.header.Get("Content-Type"), got.body)
			if tc.bad {
				assert.Equal(t, before, string(s.Export().JSON()), "nothing stored")
			}
		})
	}
}

// TestMalformedStringsBeforeThrottle: GitLab's middleware sits before rack-attack, so a
// malformed request gets 400 even while a 429 fault (glmock's rack-attack) is set.
func TestMalformedStringsBeforeThrottle(t *testing.T) {
	srv := mocktest.Start(t)
	got := do(t, srv, request{method: "POST", path: "/-/mock/faults", token: "root-token", body: `{"status":429,"count":5}`})
	require.Equal(t, 201, got.status, string(got.body))
	got = do(t, srv, request{method: "GET", path: clusters + "?x=" + url.QueryEscape("\x00"), token: "maintainer-token"})
	assert.Equal(t, 400, got.status)
	assert.Equal(t, "Bad Request", string(got.body))
	got = do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"})
	assert.Equal(t, 429, got.status, "the fault is still there for the next clean request")
}

// TestMalformedStringsLargeBody: a body over the limit is not read twice; the endpoint's 413 stands.
func TestMalformedStringsLargeBody(t *testing.T) {
	srv := mocktest.Start(t)
	big := `{"name":"` + strings.Repeat("a", mockserver.MaxBodyBytes) + `\u0000"}`
	got := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: big})
	assert.Equal(t, 413, got.status)
}
