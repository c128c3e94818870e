package mockserver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
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
	s, err := New(append([]Option{WithExternalURL(srv.URL)}, opts...)...)
	if err != nil {
		tb.Fatalf("mockserver: %v", err)
	}
	s.checkResponse = func(op *operation, r *http.Request, pathParams map[string]string, rec *recorder) {
		if rec.status == http.StatusRequestEntityTooLarge || rec.status == http.StatusUnsupportedMediaType {
			return // transport-level refusals, outside the API the spec describes
		}
		if err := op.validateResponse(r, pathParams, rec); err != nil {
			tb.Errorf("mockserver: %s %s: response %d breaks openapi.yaml: %v\nbody: %s",
				r.Method, r.URL.Path, rec.status, err, rec.body.String())
		}
	}
	handler.Store(s)
	return s, srv
}

var responseOptions = &openapi3filter.Options{
	IncludeResponseStatus: true,
	MultiError:            true,
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{
		openapi3.EnableFormatValidation(),
	},
}

// validateResponse checks a recorded response against the operation's documented responses.
func (o *operation) validateResponse(r *http.Request, pathParams map[string]string, rec *recorder) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: r, PathParams: pathParams, Route: o.route, Options: responseOptions,
		},
		Status:  rec.status,
		Header:  rec.Header(),
		Body:    io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		Options: responseOptions,
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// recorder passes a response through and keeps a copy of its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}
