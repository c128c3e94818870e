package grape_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver/internal/grape"
)

// TestFormToObject: Rack's nested reading of a form, the last of repeated keys winning.
func TestFormToObject(t *testing.T) {
	m, err := grape.FormToObject([]byte("a[b]=1&a[c]=two&x=1&x=2"))
	require.NoError(t, err)
	got, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":{"b":"1","c":"two"},"x":"2"}`, string(got))
	_, err = grape.FormToObject([]byte("a=%zz"))
	assert.Error(t, err)
}

// TestMalformed: a NUL or invalid UTF-8 in a checked place is refused; the body is read once,
// whole, and an oversized one is left for the endpoint.
func TestMalformed(t *testing.T) {
	cases := []struct {
		name, path, media, body string
		want                    bool
	}{
		{"clean json", "/api/v4/x", "application/json", `{"name":"a","b":{"c":"d"}}`, false},
		{"nul in json", "/api/v4/x", "application/json", `{"name":"a\u0000"}`, true},
		{"nul at a[b][c]", "/api/v4/x", "application/json", `{"a":{"b":{"c":"\u0000"}}}`, true},
		{"nul at a[b][c][d], below what GitLab checks", "/api/v4/x", "application/json", `{"a":{"b":{"c":{"d":"\u0000"}}}}`, false},
		{"nul in form", "/api/v4/x", "application/x-www-form-urlencoded", "name=a%00", true},
		{"bad escape in form", "/api/v4/x", "application/x-www-form-urlencoded", "name=%zz", true},
		{"nul in path", "/api/v4/x%00", "", "", true},
		{"other media", "/api/v4/x", "text/plain", "\x00", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
			if tc.media != "" {
				r.Header.Set("Content-Type", tc.media)
			}
			body := grape.ReadBody(r, 1<<20)
			assert.True(t, body.Complete)
			assert.Equal(t, tc.body, string(body.Data), "the body is read whole")
			assert.Equal(t, tc.want, grape.Malformed(r, body, 1<<20))
		})
	}
	big := `{"name":"` + strings.Repeat("a", 64) + "\x00" + `"}`
	r := httptest.NewRequest("POST", "/api/v4/x", strings.NewReader(big))
	r.Header.Set("Content-Type", "application/json")
	body := grape.ReadBody(r, 16)
	assert.True(t, body.TooLarge(16))
	assert.False(t, grape.Malformed(r, body, 16), "over the limit: the endpoint answers 413")
}
