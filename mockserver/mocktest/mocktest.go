// Package mocktest runs glmock in-process for tests, in the manner of net/http/httptest, and
// checks every response against openapi.yaml.
package mocktest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/glclusters/clustersapi/mockserver"
)

// Server is the mock on a loopback port. The GitLab root is URL; the API is under
// URL + "/api/v4". Call Close when done.
type Server struct {
	*httptest.Server
	Mock *mockserver.Server // to reset, export, switch flags, add faults, read the journal

	mu         sync.Mutex
	violations []error
}

// NewServer starts the mock with opts on a random loopback port, as httptest.NewServer does.
// web_url fields name the server itself unless opts hold mockserver.WithExternalURL. Every
// response to a spec operation is validated against openapi.yaml; Violations lists those
// that break it.
func NewServer(opts ...mockserver.Option) (*Server, error) {
	s := &Server{}
	mock, srv, err := start(func(err error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.violations = append(s.violations, err)
	}, opts)
	if err != nil {
		return nil, err
	}
	s.Server, s.Mock = srv, mock
	return s, nil
}

// Violations returns the responses so far that broke openapi.yaml, each a
// *mockserver.SpecViolation.
func (s *Server) Violations() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.violations...)
}

// Start runs the mock in-process on a random loopback port and stops it when the test ends.
// The GitLab root is the returned server's URL; the API is under URL + "/api/v4".
// Every response to a spec operation is validated against openapi.yaml; a response that
// breaks the spec fails the test.
func Start(tb testing.TB, opts ...mockserver.Option) *httptest.Server {
	tb.Helper()
	_, srv := StartServer(tb, opts...)
	return srv
}

// StartServer is Start that also returns the Server, to reset, export or switch flags.
func StartServer(tb testing.TB, opts ...mockserver.Option) (*mockserver.Server, *httptest.Server) {
	tb.Helper()
	mock, srv, err := start(func(err error) { tb.Errorf("mockserver: %v", err) }, opts)
	if err != nil {
		tb.Fatalf("mockserver: %v", err)
		return nil, nil // for a TB whose Fatalf returns
	}
	tb.Cleanup(srv.Close)
	return mock, srv
}

// start listens first, so that web_url fields can name the server itself, then builds the mock.
func start(report func(error), opts []mockserver.Option) (*mockserver.Server, *httptest.Server, error) {
	var handler atomic.Pointer[mockserver.Server]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.Load().ServeHTTP(w, r) }))
	opts = append([]mockserver.Option{mockserver.WithExternalURL(srv.URL), mockserver.WithResponseCheck(report)}, opts...)
	mock, err := mockserver.New(opts...)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	handler.Store(mock)
	return mock, srv, nil
}
