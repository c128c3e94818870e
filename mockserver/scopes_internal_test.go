package mockserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestScopeIndexCollisions: with every scope hashing alike, the scope rule still holds
// through the API: distinct scopes are created, a taken one is refused, and a scope freed by
// an update or a delete can be used again.
func TestScopeIndexCollisions(t *testing.T) {
	saved := scopeHash
	scopeHash = func(string) uint64 { return 42 }
	t.Cleanup(func() { scopeHash = saved })
	srv, err := New()
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string) int {
		req := httptest.NewRequest(method, "/api/v4/projects/1/clusters"+path, strings.NewReader(body))
		req.Header.Set("Private-Token", "maintainer-token")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Code
	}
	add := func(scope string) int {
		return do(http.MethodPost, "/user", `{"name":"c-`+scope+`","environment_scope":"`+scope+`","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`)
	}
	// The default seed's project 1 has cluster 18 with scope "*"; new ids start at 20.
	for _, tc := range []struct {
		step string
		got  int
		want int
	}{
		{"a", add("a"), 201},
		{"b", add("b"), 201},
		{"a again", add("a"), 400},
		{"* again", add("*"), 400},
		{"rename a to c", do(http.MethodPut, "/20", `{"environment_scope":"c"}`), 200},
		{"a freed", add("a"), 201},
		{"c taken", add("c"), 400},
		{"delete 18", do(http.MethodDelete, "/18", ""), 204},
		{"* freed", add("*"), 201},
		{"b still taken", add("b"), 400},
		{"b kept by its own update", do(http.MethodPut, "/21", `{"environment_scope":"b","name":"renamed"}`), 200},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.step, tc.got, tc.want)
		}
	}
}
