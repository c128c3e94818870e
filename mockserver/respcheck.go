package mockserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// SpecViolation is a response of the mock that breaks openapi.yaml, as WithResponseCheck
// reports it.
type SpecViolation struct {
	Method string // of the request
	Path   string // of the request
	Status int
	Body   string
	Err    error // what openapi3filter found
}

func (v *SpecViolation) Error() string {
	return fmt.Sprintf("%s %s: response %d breaks openapi.yaml: %v\nbody: %s", v.Method, v.Path, v.Status, v.Err, v.Body)
}

func (v *SpecViolation) Unwrap() error { return v.Err }

// WithResponseCheck validates every response to a spec operation against openapi.yaml and
// hands each one that breaks it, as a *SpecViolation, to report (from the handler's
// goroutine). It copies every response body, so it is meant for tests: mocktest uses it.
func WithResponseCheck(report func(error)) Option {
	return func(c *config) { c.checkResponse = report }
}

// checkResponse validates a recorded response of op and reports a violation.
func (s *Server) checkResponse(op *operation, r *http.Request, pathParams map[string]string, rec *recorder) {
	if rec.status == http.StatusRequestEntityTooLarge || rec.status == http.StatusUnsupportedMediaType {
		return // transport-level refusals, outside the API the spec describes
	}
	if err := op.validateResponse(r, pathParams, rec); err != nil {
		s.cfg.checkResponse(&SpecViolation{Method: r.Method, Path: r.URL.Path, Status: rec.status, Body: rec.body.String(), Err: err})
	}
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
