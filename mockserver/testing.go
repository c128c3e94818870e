package mockserver

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// Start runs the mock in-process on a random loopback port and stops it when the test ends.
// The GitLab root is the returned server's URL; the API is under URL + "/api/v4".
// Every response to a spec operation is validated against openapi.yaml; a response that
// breaks the spec fails the test.
func Start(tb testing.TB, opts ...Option) *httptest.Server {
	tb.Helper()
	_, srv := StartServer(tb, opts...)
	return srv
}

// StartServer is Start that also returns the Server, to reset, export or switch flags.
func StartServer(tb testing.TB, opts ...Option) (*Server, *httptest.Server) {
	tb.Helper()
	// The listener comes first so that web_url fields can name the test server itself.
	var handler atomic.Pointer[Server]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.Load().ServeHTTP(w, r) }))
	tb.Cleanup(srv.Close)
	opts = append([]Option{WithExternalURL(srv.URL), WithResponseCheck(func(err error) { tb.Errorf("mockserver: %v", err) })}, opts...)
	s, err := New(opts...)
	if err != nil {
		tb.Fatalf("mockserver: %v", err)
	}
	handler.Store(s)
	return s, srv
}
