// Package mocktest runs glmock in-process for tests, in the manner of net/http/httptest, and
// checks every response against openapi.yaml.
package mocktest

import (
	"encoding/pem"
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

// NewTLSServer is NewServer over HTTPS, as httptest.NewTLSServer: URL is https://127.0.0.1:PORT,
// Client returns an *http.Client that trusts the server, and CAPEM its certificate in PEM for
// clients outside Go (python-gitlab's ssl_verify, Terraform's cacert_file, curl's --cacert).
func NewTLSServer(opts ...mockserver.Option) (*Server, error) {
	s := &Server{}
	mock, srv, err := startServer(func(err error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.violations = append(s.violations, err)
	}, opts, true)
	if err != nil {
		return nil, err
	}
	s.Server, s.Mock = srv, mock
	return s, nil
}

// CAPEM is the PEM of the certificate a client must trust to reach s over HTTPS (nil for a
// plain-HTTP server). Write it to a file for clients that take a CA file.
func (s *Server) CAPEM() []byte { return CAPEM(s.Server) }

// CAPEM is the PEM of the certificate a client must trust to reach srv over HTTPS, as StartTLS
// returns it (nil for a plain-HTTP server). httptest's certificate is its own CA and names
// 127.0.0.1, ::1 and example.com.
func CAPEM(srv *httptest.Server) []byte {
	c := srv.Certificate()
	if c == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
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
	return startTB(tb, opts, false)
}

// StartTLS is Start over HTTPS, as httptest.NewTLSServer: the URL is https://127.0.0.1:PORT
// (web_url fields too), srv.Client() trusts the server, and CAPEM(srv) is the certificate to
// trust for clients outside Go.
func StartTLS(tb testing.TB, opts ...mockserver.Option) *httptest.Server {
	tb.Helper()
	_, srv := StartTLSServer(tb, opts...)
	return srv
}

// StartTLSServer is StartTLS that also returns the Server, as StartServer does.
func StartTLSServer(tb testing.TB, opts ...mockserver.Option) (*mockserver.Server, *httptest.Server) {
	tb.Helper()
	return startTB(tb, opts, true)
}

func startTB(tb testing.TB, opts []mockserver.Option, useTLS bool) (*mockserver.Server, *httptest.Server) {
	tb.Helper()
	mock, srv, err := startServer(func(err error) { tb.Errorf("mockserver: %v", err) }, opts, useTLS)
	if err != nil {
		tb.Fatalf("mockserver: %v", err)
		return nil, nil // for a TB whose Fatalf returns
	}
	tb.Cleanup(srv.Close)
	return mock, srv
}

// start listens first, so that web_url fields can name the server itself, then builds the mock.
func start(report func(error), opts []mockserver.Option) (*mockserver.Server, *httptest.Server, error) {
	return startServer(report, opts, false)
}

func startServer(report func(error), opts []mockserver.Option, useTLS bool) (*mockserver.Server, *httptest.Server, error) {
	var handler atomic.Pointer[mockserver.Server]
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.Load().ServeHTTP(w, r) }))
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	opts = append([]mockserver.Option{mockserver.WithExternalURL(srv.URL), mockserver.WithResponseCheck(report)}, opts...)
	mock, err := mockserver.New(opts...)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	handler.Store(mock)
	return mock, srv, nil
}
