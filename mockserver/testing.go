package mockserver

import (
	"net/http/httptest"
	"testing"
)

// Start runs the mock in-process on a random loopback port and stops it when the test ends.
// The GitLab root is the returned server's URL; the API is under URL + "/api/v4".
func Start(tb testing.TB, opts ...Option) *httptest.Server {
	tb.Helper()
	s, err := New(opts...)
	if err != nil {
		tb.Fatalf("mockserver: %v", err)
	}
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	return srv
}
