package grape

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Grape's coercion (ruby-grape/grape lib/grape/validations/types/primitive_coercer.rb, backed
// by dry-types' Params coercions, dry-rb/dry-types lib/dry/types/coercions/params.rb), applied
// before the spec sees a value. The spec's types drive it: integer, boolean, string, object.

// Dry-types' BOOLEAN_MAP: exactly these spellings, matched on the value's to_s, no trimming.
var grapeBooleans = map[string]bool{
	"1": true, "on": true, "On": true, "ON": true, "t": true, "true": true, "True": true, "TRUE": true,
	"T": true, "y": true, "yes": true, "Yes": true, "YES": true, "Y": true,
	"0": false, "off": false, "Off": false, "OFF": false, "f": false, "false": false, "False": false,
	"FALSE": false, "F": false, "n": false, "no": false, "No": false, "NO": false, "N": false,
}

// grapeInteger is Ruby's Integer(s, 10): surrounding whitespace, an optional sign, and
// underscores between digits ("1_000") are allowed; anything else is not an integer.
func grapeInteger(s string) (int64, bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || digits[0] == '_' || digits[len(digits)-1] == '_' ||
		strings.Contains(digits, "__") {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:len(s)-len(digits)]+strings.ReplaceAll(digits, "_", ""), 10, 64)
	return n, err == nil
}

// rubyNumberString is what Ruby's to_s makes of a JSON number: integers as written, floats in
// Float#to_s form (2.5, 1000.0, 1.0e+20).
func rubyNumberString(n json.Number) string {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	if exp := math.Floor(math.Log10(math.Abs(f))); f == 0 || (exp >= -4 && exp < 16) {
		out := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(out, ".") {
			out += ".0"
		}
		return out
	}
	out := strconv.FormatFloat(f, 'e', -1, 64) // 1e+20
	if mant, exp, ok := strings.Cut(out, "e"); ok && !strings.Contains(mant, ".") {
		out = mant + ".0e" + exp
	}
	return out
}

// Coerced is one body after Grape's coercion.
type Coerced struct {
	Value map[string]any
	// nils are parameters present with a nil value (null, or '' for a non-String type) and no
	// default: Grape's presence check passes them (the key is there), the spec must not see them,
	// and the endpoint gets nil (management_project_id nil clears it).
	nils []nilParam
}

type nilParam struct {
	name   string // Grape's name: parent[child]
	path   []string
	schema *openapi3.Schema
}

// CoerceBody applies Grape's coercion to a decoded body object, in place.
func CoerceBody(m map[string]any, schema *openapi3.Schema) *Coerced {
	out := &Coerced{Value: m}
	coerceObject(m, schema, nil, out)
	return out
}

func coerceObject(m map[string]any, schema *openapi3.Schema, path []string, out *Coerced) {
	for _, prop := range propertiesOf(schema) {
		name, p := prop.name, prop.schema
		v, ok := m[name]
		if !ok {
			continue
		}
		nv, isNil := coerceValue(v, p)
		switch {
		case !isNil:
			m[name] = nv
			if child, isMap := nv.(map[string]any); isMap && p.Type.Is("object") {
				coerceObject(child, p, append(clonePath(path), name), out)
			}
		case p.Default != nil: // Grape's DefaultValidator fills a nil value as an absent one
			m[name] = p.Default
		default:
			delete(m, name)
			full := append(clonePath(path), name)
			out.nils = append(out.nils, nilParam{grapeName(full), full, p})
		}
	}
}

type property struct {
	name   string
	schema *openapi3.Schema
}

var propertyLists sync.Map // *openapi3.Schema -> []property

// propertiesOf lists a schema's properties by name, worked out once per schema: ranging over
// the schema's map on every request costs more than the coercion.
func propertiesOf(schema *openapi3.Schema) []property {
	if l, ok := propertyLists.Load(schema); ok {
		return l.([]property)
	}
	l := make([]property, 0, len(schema.Properties))
	for _, name := range slices.Sorted(maps.Keys(schema.Properties)) {
		l = append(l, property{name, schema.Properties[name].Value})
	}
	propertyLists.Store(schema, l)
	return l
}

func clonePath(p []string) []string { return append([]string(nil), p...) }

func grapeName(path []string) string {
	name := path[0]
	for _, p := range path[1:] {
		name += "[" + p + "]"
	}
	return name
}

// coerceValue converts one value for its schema. isNil reports a value that is nil after
// coercion. A value that cannot be converted is returned as is, for the spec to call invalid.
func coerceValue(v any, s *openapi3.Schema) (out any, isNil bool) {
	if v == nil {
		return nil, true
	}
	switch {
	case s.Type.Is("string"):
		switch x := v.(type) { // DryTypes::Coercible::String: to_s; arrays and hashes are rejected
		case json.Number:
			return rubyNumberString(x), false
		case bool:
			return strconv.FormatBool(x), false
		}
	case s.Type.Is("integer"):
		switch x := v.(type) {
		case string:
			if x == "" {
				return nil, true
			}
			if n, ok := grapeInteger(x); ok {
				return json.Number(strconv.FormatInt(n, 10)), false
			}
		case json.Number: // Integer(2.5) truncates
			if _, err := x.Int64(); err != nil {
				if f, err := x.Float64(); err == nil && !math.IsInf(f, 0) && math.Abs(f) < 1<<63 {
					return json.Number(strconv.FormatInt(int64(f), 10)), false
				}
			}
		}
	case s.Type.Is("boolean"):
		switch x := v.(type) {
		case string:
			if x == "" {
				return nil, true
			}
			if b, ok := grapeBooleans[x]; ok {
				return b, false
			}
		case json.Number:
			if b, ok := grapeBooleans[x.String()]; ok {
				return b, false
			}
		}
	}
	return v, false
}

// FormToObject turns a form body into the object Rack's nested query parser makes of it:
// a[b]=1 is {"a":{"b":"1"}}; a repeated key keeps its last value.
func FormToObject(body []byte) (map[string]any, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	flat := make(map[string]any, len(form))
	for k, vs := range form {
		flat[k] = vs[len(vs)-1]
	}
	return Nest(flat), nil
}

// DecodeJSON decodes one JSON value with nothing but white space after it (what json.Valid
// accepts), numbers as json.Number, as Rails' parser keeps them exact.
func DecodeJSON(body []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	if len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, false
	}
	return v, true
}

// CoerceQuery rewrites the query's integer and boolean parameters as Grape reads them: empty
// is nil (so the default applies) and " 2" is 2. Values Grape would reject are left for the spec.
func CoerceQuery(u *url.URL, params openapi3.Parameters) {
	q := u.Query()
	changed := false
	for _, p := range params {
		v := p.Value
		raw, ok := q[v.Name]
		if v.In != openapi3.ParameterInQuery || !ok || len(raw) == 0 || v.Schema == nil {
			continue
		}
		nv, isNil := coerceValue(raw[len(raw)-1], v.Schema.Value)
		switch {
		case isNil:
			q.Del(v.Name)
			changed = true
		case nv != raw[len(raw)-1]:
			var s string
			switch x := nv.(type) {
			case json.Number:
				s = x.String()
			case bool:
				s = strconv.FormatBool(x)
			default:
				continue
			}
			q.Set(v.Name, s)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
}

// IsNil says whether the parameter (Grape's name, parent[child]) was sent as nil.
func (co *Coerced) IsNil(name string) bool {
	for _, n := range co.nils {
		if n.name == name {
			return true
		}
	}
	return false
}

// Empty lists the parameters sent as nil whose schema wants a value (minLength, Grape's
// allow_blank: false): Grape calls them empty.
func (co *Coerced) Empty() []string {
	var out []string
	for _, n := range co.nils {
		if n.schema.MinLength > 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// RestoreNils hands nil parameters to the endpoint: an integer or string set to nil clears it
// (management_project_id: "" unsets the management project). A boolean without a default is
// left out, as if not sent: what GitLab stores for a nil boolean column is not pinned down.
func (co *Coerced) RestoreNils(value map[string]any) {
	for _, n := range co.nils {
		if n.schema.Type.Is("boolean") {
			continue
		}
		m := value
		for _, p := range n.path[:len(n.path)-1] {
			child, ok := m[p].(map[string]any)
			if !ok {
				child = map[string]any{}
				m[p] = child
			}
			m = child
		}
		m[n.path[len(n.path)-1]] = nil
	}
}

// Nest turns form keys such as platform_kubernetes_attributes[api_url] into nested maps.
func Nest(flat map[string]any) map[string]any {
	nested := false
	for k := range flat {
		nested = nested || strings.IndexByte(k, '[') >= 0
	}
	if !nested { // a JSON body's keys, usually: nothing to do
		return flat
	}
	out := map[string]any{}
	for k, v := range flat {
		parent, child, ok := strings.Cut(k, "[")
		if !ok || !strings.HasSuffix(child, "]") {
			if existing, isMap := out[k].(map[string]any); isMap {
				if m, vIsMap := v.(map[string]any); vIsMap {
					for ck, cv := range m {
						existing[ck] = cv
					}
					continue
				}
			}
			out[k] = v
			continue
		}
		m, _ := out[parent].(map[string]any)
		if m == nil {
			m = map[string]any{}
			out[parent] = m
		}
		m[strings.TrimSuffix(child, "]")] = v
	}
	return out
}
