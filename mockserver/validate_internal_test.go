package mockserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver/internal/grape"
)

// TestBodyValidationMatchesKin: validate checks a decoded JSON or form body with kin-openapi's
// schema validation directly. For every operation with a body and a table of awkward bodies,
// it must give the same error, or the same parameters, as kin-openapi's whole request
// validation of the re-encoded body (validateWholeRequest, the way the mock did it before).
func TestBodyValidationMatchesKin(t *testing.T) {
	ops, err := specOperations()
	require.NoError(t, err)
	bodies := []string{
		``, `{}`, `null`, `[]`, `[1]`, `"x"`, `1`,
		`{"name":"a","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`,
		`{"name":"a","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","ca_cert":null,"namespace":"","authorization_type":"abac"}}`,
		`{"name":"","platform_kubernetes_attributes":{"api_url":"","token":""}}`,
		`{"name":null,"platform_kubernetes_attributes":null}`,
		`{"name":1,"enabled":"yes","managed":"0","domain":2.5,"management_project_id":"12","platform_kubernetes_attributes":{"api_url":[],"token":{}}}`,
		`{"name":"a","management_project_id":"","environment_scope":"","namespace_per_environment":"f","platform_kubernetes_attributes":{"api_url":"https://k","token":"t"}}`,
		`{"name":"a","management_project_id":2.5,"platform_kubernetes_attributes":{"api_url":"https://k","token":"t"}}`,
		`{"name":"a","management_project_id":123456789012345678901234567890,"platform_kubernetes_attributes":{"api_url":"https://k","token":"t"}}`,
		`{"name":"a","enabled":1,"managed":0,"platform_kubernetes_attributes":{"api_url":"https://k","token":"t","authorization_type":null}}`,
		`{"unknown":true,"platform_kubernetes_attributes":"{\"api_url\":\"x\"}"}`,
		`{"name":["a"],"domain":{"a":1},"platform_kubernetes_attributes":{"api_url":"https://k","token":"t","extra":1}}`,
		`{"platform_kubernetes_attributes":{"api_url":"https://k","token":"t"}}`,
	}
	forms := []string{
		`name=a&platform_kubernetes_attributes[api_url]=https://k&platform_kubernetes_attributes[token]=t`,
		`name=&enabled=maybe&platform_kubernetes_attributes[api_url]=`,
		`management_project_id=&domain=&platform_kubernetes_attributes=x`,
	}
	type input struct{ media, body string }
	var inputs []input
	for _, b := range bodies {
		inputs = append(inputs, input{"application/json", b})
	}
	for _, f := range forms {
		inputs = append(inputs, input{"application/x-www-form-urlencoded", f})
	}
	for id, op := range ops {
		if op.route.Operation.RequestBody == nil {
			continue
		}
		for _, in := range inputs {
			for _, query := range []string{"", "?per_page=2"} {
				t.Run(id+" "+in.body+query, func(t *testing.T) {
					mk := func() *http.Request {
						r := httptest.NewRequest(op.method, "/api/v4/projects/1/clusters/2"+query, strings.NewReader(in.body))
						r.Header.Set("Content-Type", in.media)
						return r
					}
					params := map[string]string{"id": "1", "cluster_id": "2"}
					pp := &pathParams{id: "1", clusterID: "2", hasID: true, hasClusterID: true}
					r := mk()
					rb, e := parseBody(httptest.NewRecorder(), r, grape.ReadBody(r, MaxBodyBytes))
					if e != nil {
						t.Skip("refused before validation:", string(e.body))
					}
					got, _, gotErr := op.validate(r, pp, rb)
					r = mk()
					raw, _ := grape.ReadSized(r.Body, r.ContentLength, MaxBodyBytes)
					want, wantErr := validateWholeRequest(op, r, params, raw, in.media)
					require.Equal(t, errText(wantErr), errText(gotErr))
					require.Equal(t, want, got)
				})
			}
		}
	}
}

func errText(e *apiError) string {
	if e == nil {
		return ""
	}
	return strconv.Itoa(e.status) + " " + string(e.body)
}

// validateWholeRequest is validate as it was before the body was decoded once: the coerced
// body re-encoded and handed to kin-openapi's ValidateRequest with the parameters.
func validateWholeRequest(o *operation, r *http.Request, pathParams map[string]string, body []byte, media string) (map[string]any, *apiError) {
	var co *grape.Coerced
	if o.route.Operation.RequestBody != nil {
		if media == "application/x-www-form-urlencoded" {
			if asJSON, err := formToJSON(body); err == nil {
				body, media = asJSON, "application/json"
				r.Header.Set("Content-Type", media)
			}
		}
		if len(bytes.TrimSpace(body)) == 0 { // no body: every required parameter is missing
			body, media = []byte("{}"), "application/json"
			r.Header.Set("Content-Type", media)
		}
		if schema := o.bodySchemas[media]; media == "application/json" && schema != nil {
			if m, ok := decodeObject(body); ok {
				co = grape.CoerceBody(m, schema)
				if out, err := json.Marshal(m); err == nil {
					body = out
				}
			}
		}
		r = withBody(r, body, "")
	}
	if false {
		return nil, nil // nothing the spec could reject: see operation.trivial
	}
	if r.URL.RawQuery != "" {
		grape.CoerceQuery(r.URL, o.route.Operation.Parameters)
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: pathParams, Route: o.route, Options: validateOptions}
	err := openapi3filter.ValidateRequest(r.Context(), in)
	var problems []problem
	if err != nil {
		problems = o.problems(err)
	}
	if co != nil {
		problems = nilProblems(co, problems)
	}
	for name, not := range o.not {
		if raw, ok := r.URL.Query()[name]; ok && len(raw) > 0 {
			if n, convErr := strconv.ParseFloat(raw[0], 64); convErr == nil && not.VisitJSON(n) == nil {
				problems = append(problems, problem{name, "has a value not allowed"})
			}
		}
	}
	if len(problems) > 0 {
		return nil, o.grapeError(problems)
	}
	if o.route.Operation.RequestBody == nil {
		return nil, nil
	}
	var value map[string]any
	if co != nil { // the coerced body; kin-openapi keeps none when it saw a nil's "is missing"
		value = co.Value
	} else if vb, ok := r.Body.(interface{ ValidatedValue() any }); ok {
		value, _ = vb.ValidatedValue().(map[string]any)
	}
	if value == nil {
		value = map[string]any{}
	}
	applyDefaults(value, o.bodySchemas[media])
	if co != nil {
		co.RestoreNils(value)
	}
	return grape.Nest(value), nil
}

// formToJSON and decodeObject are the helpers validateWholeRequest used: a form encoded as
// JSON, and a JSON object decoded again.
func formToJSON(body []byte) ([]byte, error) {
	m, err := grape.FormToObject(body)
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

func decodeObject(body []byte) (map[string]any, bool) {
	v, ok := grape.DecodeJSON(body)
	m, isMap := v.(map[string]any)
	return m, ok && isMap
}
