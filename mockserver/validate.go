package mockserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/glclusters/clustersapi/mockserver/internal/grape"
)

var validateOptions = &openapi3filter.Options{
	MultiError:          true,
	KeepValidatedValue:  true,
	SkipSettingDefaults: true,                                  // applied by applyDefaults, for form bodies too
	AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc, // auth runs first, GitLab's way
}

// validateParamsOptions leaves the body out: validate checks a decoded JSON body itself.
var validateParamsOptions = func() *openapi3filter.Options {
	o := *validateOptions
	o.ExcludeRequestBody = true
	return &o
}()

// validate checks the request against the operation's parameters and body with kin-openapi
// and returns the body as a nested map, defaults applied. A failure is Grape's 400:
// {"error": "name is missing, platform_kubernetes_attributes[api_url] is empty"}.
// Values are coerced first, as Grape does (internal/grape); a form body is read as the nested
// object Rack makes of it and checked against the JSON schema, so both get the same rules.
// A JSON object body, decoded once by readBody, is checked with kin-openapi's schema
// validation directly (what its request validation does after decoding the body again);
// any other body goes through kin-openapi's request validation whole.
func (o *operation) validate(r *http.Request, pathParams *pathParams, rb requestBody) (map[string]any, url.Values, *apiError) {
	var co *grape.Coerced
	hasBody := o.route.Operation.RequestBody != nil
	vr := r // the request kin-openapi reads: a copy wherever Grape's view of it differs from r
	if hasBody {
		body, media, object := rb.raw, rb.media, rb.object
		contentType := "" // what kin-openapi is told the body is, when not the request's own
		if rb.reencoded {
			contentType = media
		}
		if media == "application/x-www-form-urlencoded" {
			if m, err := grape.FormToObject(body); err == nil {
				body, media, object = nil, "application/json", m
				contentType = media
			}
		}
		if object == nil && len(bytes.TrimSpace(body)) == 0 { // no body: every required parameter is missing
			body, media, object = []byte("{}"), "application/json", map[string]any{}
			contentType = media
		}
		if schema := o.bodySchemas[media]; media == "application/json" && schema != nil && object != nil {
			co = grape.CoerceBody(object, schema)
		} else {
			vr = withBody(r, body, contentType) // kin-openapi decodes and checks it
		}
	}
	if o.trivial && r.URL.RawQuery == "" && !hasBody {
		return nil, nil, nil // nothing the spec could reject: see operation.trivial
	}
	var query url.Values
	if r.URL.RawQuery != "" {
		u := *r.URL
		grape.CoerceQuery(&u, o.route.Operation.Parameters)
		if vr == r {
			vr = shallowCopy(r)
		}
		vr.URL = &u
		query = u.Query()
	}
	var errs openapi3.MultiError
	if !o.trivial || r.URL.RawQuery != "" || (hasBody && co == nil) {
		opts := validateOptions
		if co != nil {
			opts = validateParamsOptions
		}
		in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: pathParams.asMap(), Route: o.route, Options: opts}
		if err := openapi3filter.ValidateRequest(vr.Context(), in); err != nil {
			errs = append(errs, err)
		}
	}
	if co != nil {
		if err := o.bodySchemas["application/json"].VisitJSON(co.Value, openapi3.VisitAsRequest(), openapi3.MultiErrors()); err != nil {
			errs = append(errs, &openapi3filter.RequestError{RequestBody: o.route.Operation.RequestBody.Value, Reason: "doesn't match schema", Err: err})
		}
	}
	var problems []problem
	if len(errs) > 0 {
		problems = o.problems(errs)
	}
	if co != nil {
		problems = nilProblems(co, problems)
	}
	if len(o.not) > 0 && r.URL.RawQuery != "" {
		q := vr.URL.Query()
		for name, not := range o.not {
			if raw, ok := q[name]; ok && len(raw) > 0 {
				if n, convErr := strconv.ParseFloat(raw[0], 64); convErr == nil && not.VisitJSON(n) == nil {
					problems = append(problems, problem{name, "has a value not allowed"})
				}
			}
		}
	}
	if len(problems) > 0 {
		return nil, nil, o.grapeError(problems)
	}
	if !hasBody {
		return nil, query, nil
	}
	var value map[string]any
	media := "application/json"
	if co != nil { // the coerced body; kin-openapi keeps none when it saw a nil's "is missing"
		value = co.Value
	} else if vb, ok := vr.Body.(interface{ ValidatedValue() any }); ok {
		value, _ = vb.ValidatedValue().(map[string]any)
		media = vr.Header.Get("Content-Type")
	}
	if value == nil {
		value = map[string]any{}
	}
	applyDefaults(value, o.bodySchemas[media])
	if co != nil {
		co.RestoreNils(value)
	}
	return grape.Nest(value), query, nil
}

// shallowCopy copies the request for kin-openapi, which may be handed another URL or body.
func shallowCopy(r *http.Request) *http.Request {
	c := *r
	return &c
}

// withBody is a copy of r whose body kin-openapi can read (and read again), with the
// Content-Type contentType when it is not "": a multipart form is checked as the form it was
// re-encoded into, a missing body as an empty JSON object.
func withBody(r *http.Request, body []byte, contentType string) *http.Request {
	c := shallowCopy(r)
	if contentType != "" {
		c.Header = r.Header.Clone()
		c.Header.Set("Content-Type", contentType)
	}
	c.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	c.Body, _ = c.GetBody()
	return c
}

// problem is one Grape parameter error: the parameter and what is wrong with it.
type problem struct{ param, msg string }

func (o *operation) problems(err error) []problem {
	var out []problem
	var walk func(error, *openapi3.Parameter)
	walk = func(err error, param *openapi3.Parameter) {
		var multi openapi3.MultiError
		if errors.As(err, &multi) && fmt.Sprintf("%T", err) == "openapi3.MultiError" {
			for _, e := range multi {
				walk(e, param)
			}
			return
		}
		var reqErr *openapi3filter.RequestError
		if errors.As(err, &reqErr) && err == error(reqErr) {
			if reqErr.Parameter != nil {
				param = reqErr.Parameter
			}
			if reqErr.Err == nil {
				out = append(out, problem{paramName(param, nil), "is invalid"})
				return
			}
			walk(reqErr.Err, param)
			return
		}
		if errors.Is(err, openapi3filter.ErrInvalidRequired) { // a required query parameter
			out = append(out, problem{paramName(param, nil), "is missing"})
			return
		}
		var schemaErr *openapi3.SchemaError
		if errors.As(err, &schemaErr) {
			name := paramName(param, schemaErr.JSONPointer())
			switch schemaErr.SchemaField {
			case "required":
				out = append(out, problem{name, "is missing"})
				for _, child := range requiredChildren(o, name) {
					out = append(out, problem{child, "is missing"})
				}
			case "enum":
				out = append(out, problem{name, "does not have a valid value"})
			case "minLength":
				out = append(out, problem{name, "is empty"})
			default:
				out = append(out, problem{name, "is invalid"})
			}
			return
		}
		var parseErr *openapi3filter.ParseError
		if errors.As(err, &parseErr) {
			var path []any
			for p := parseErr; p != nil; {
				path = append(path, p.Path()...)
				next, ok := p.Cause.(*openapi3filter.ParseError)
				if !ok {
					break
				}
				p = next
			}
			var ptr []string
			for _, p := range path {
				ptr = append(ptr, fmt.Sprint(p))
			}
			out = append(out, problem{paramName(param, ptr), "is invalid"})
			return
		}
		out = append(out, problem{paramName(param, nil), "is invalid"})
	}
	walk(err, nil)
	return out
}

// requiredChildren: when a required hash is missing, Grape also reports its required keys.
func requiredChildren(o *operation, name string) []string {
	o.declarationOrder()
	for _, s := range o.bodySchemas {
		if p := s.Properties[name]; p != nil && p.Value.Type.Is("object") {
			var out []string
			for _, want := range o.order {
				if strings.HasPrefix(want, name+"[") && slices.Contains(p.Value.Required, strings.TrimSuffix(strings.TrimPrefix(want, name+"["), "]")) {
					out = append(out, want)
				}
			}
			return out
		}
	}
	return nil
}

func paramName(param *openapi3.Parameter, pointer []string) string {
	if param != nil {
		return param.Name
	}
	name := ""
	for i, p := range pointer {
		if i == 0 {
			name = p
		} else {
			name += "[" + p + "]"
		}
	}
	if name == "" {
		return "body"
	}
	return name
}

// declarationOrder returns the body parameters in declaration order.
func (o *operation) declarationOrder() []string {
	o.orderOnce.Do(func() {
		if o.route.Operation.RequestBody == nil {
			return
		}
		orders, err := propertyOrders(o.spec)
		if err != nil {
			return
		}
		if mt := o.route.Operation.RequestBody.Value.Content.Get("application/json"); mt != nil {
			o.order = flattenOrder(mt.Schema, orders, "")
		}
	})
	return o.order
}

// grapeError joins problems in declaration order, as Grape does.
func (o *operation) grapeError(problems []problem) *apiError {
	o.declarationOrder()
	rank := func(name string) int {
		if i := slices.Index(o.order, name); i >= 0 {
			return i
		}
		return len(o.order)
	}
	slices.SortStableFunc(problems, func(a, b problem) int { return rank(a.param) - rank(b.param) })
	msgs := make([]string, 0, len(problems))
	for _, p := range slices.CompactFunc(problems, func(a, b problem) bool { return a == b }) {
		msgs = append(msgs, p.param+" "+p.msg)
	}
	return paramError(http.StatusBadRequest, strings.Join(msgs, ", "))
}

// applyDefaults fills in the schema's defaults for absent keys, nested objects included.
func applyDefaults(value map[string]any, schema *openapi3.Schema) {
	if schema != nil {
		planDefaults(schema).apply(value)
	}
}

// defaultsPlan is a schema's defaults as lists, worked out once per schema: walking the
// schema's property maps on every request costs more than the rest of applying them.
type defaultsPlan struct {
	values []namedValue
	nested []namedPlan // object properties, whose own defaults apply inside a sent object
}

type namedValue struct {
	name  string
	value any
}

type namedPlan struct {
	name string
	plan *defaultsPlan
}

var defaultsPlans sync.Map // *openapi3.Schema -> *defaultsPlan

func planDefaults(schema *openapi3.Schema) *defaultsPlan {
	if p, ok := defaultsPlans.Load(schema); ok {
		return p.(*defaultsPlan)
	}
	p := &defaultsPlan{}
	for _, name := range slices.Sorted(maps.Keys(schema.Properties)) {
		prop := schema.Properties[name].Value
		if prop.Default != nil {
			p.values = append(p.values, namedValue{name, prop.Default})
		}
		if prop.Type.Is("object") {
			p.nested = append(p.nested, namedPlan{name, planDefaults(prop)})
		}
	}
	defaultsPlans.Store(schema, p)
	return p
}

func (p *defaultsPlan) apply(value map[string]any) {
	for _, n := range p.nested { // before the defaults: a default is never changed
		if m, isMap := value[n.name].(map[string]any); isMap {
			n.plan.apply(m)
		}
	}
	for _, d := range p.values {
		if _, ok := value[d.name]; !ok {
			value[d.name] = d.value
		}
	}
}

// nilProblems adjusts the spec's verdict for parameters sent as nil: Grape's presence check
// passes them (no "is missing"), and allow_blank: false (minLength 1 here) calls them empty.
func nilProblems(co *grape.Coerced, problems []problem) []problem {
	out := problems[:0]
	for _, p := range problems {
		if !(p.msg == "is missing" && co.IsNil(p.param)) {
			out = append(out, p)
		}
	}
	for _, name := range co.Empty() {
		out = append(out, problem{name, "is empty"})
	}
	return out
}
