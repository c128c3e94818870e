package contract

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mismatch is one difference between an expected and an actual JSON value.
type mismatch struct {
	Path     string // JSON path, $ for the root
	Expected string
	Actual   string
}

// matcher is an expectation string starting with "@" (see Expect.Body).
func matcher(x any) (string, bool) {
	s, ok := x.(string)
	if ok && strings.HasPrefix(s, "@") {
		return s, true
	}
	return "", false
}

// matchValue applies a matcher to an actual value.
func matchValue(m string, actual any) bool {
	name, arg, _ := strings.Cut(m[1:], ":")
	switch name {
	case "any":
		return true
	case "absent":
		return false // present at all is a failure; absence is handled before comparing
	case "type":
		return jsonType(actual) == arg || arg == "date-time" && isDateTime(actual) ||
			arg == "integer" && jsonType(actual) == "number" && isInteger(actual)
	case "prefix":
		s, ok := actual.(string)
		return ok && strings.HasPrefix(s, arg)
	case "contains":
		s, ok := actual.(string)
		return ok && strings.Contains(s, arg)
	case "regex":
		s, ok := actual.(string)
		re, err := regexp.Compile(arg)
		return ok && err == nil && re.MatchString(s)
	case "anyprefix":
		arr, ok := actual.([]any)
		for _, item := range arr {
			if s, isStr := item.(string); isStr && strings.HasPrefix(s, arg) {
				return ok
			}
		}
		return false
	}
	return false
}

// describeMatcher says what a matcher wants, for a finding's "expected".
func describeMatcher(m string) string {
	name, arg, _ := strings.Cut(m[1:], ":")
	switch name {
	case "any":
		return "present"
	case "absent":
		return "absent"
	case "type":
		if arg != "" && strings.ContainsAny(arg[:1], "aeiou") {
			return "an " + arg
		}
		return "a " + arg
	case "prefix":
		return fmt.Sprintf("a string starting with %q", arg)
	case "contains":
		return fmt.Sprintf("a string containing %q", arg)
	case "regex":
		return "a string matching /" + arg + "/"
	case "anyprefix":
		return fmt.Sprintf("an array with an item starting with %q", arg)
	}
	return m
}

func isInteger(x any) bool {
	f, ok := x.(float64)
	return ok && f == float64(int64(f))
}

func isDateTime(x any) bool {
	s, ok := x.(string)
	if !ok {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// jsonType names the JSON type of a decoded value; whole numbers are "integer".
func jsonType(x any) string {
	switch t := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if t == float64(int64(t)) {
			return "integer"
		}
		return "number"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", x)
}

// project keeps only the parts of actual that expected mentions: object keys it lists and the
// same shape below. Keys expected as @absent that are absent are dropped from both sides.
func project(expected, actual any) (any, any) {
	switch e := expected.(type) {
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok {
			return expected, actual
		}
		pe := make(map[string]any, len(e))
		pa := make(map[string]any, len(e))
		for k, ev := range e {
			av, present := a[k]
			if m, ok := matcher(ev); ok && m == "@absent" && !present {
				continue
			}
			if !present {
				pe[k] = ev
				continue
			}
			pe[k], pa[k] = project(ev, av)
		}
		return pe, pa
	case []any:
		a, ok := actual.([]any)
		if !ok || len(a) != len(e) {
			return expected, actual
		}
		pe := make([]any, len(e))
		pa := make([]any, len(e))
		for i := range e {
			pe[i], pa[i] = project(e[i], a[i])
		}
		return pe, pa
	}
	return expected, actual
}

// compareJSON compares actual with expected using go-cmp. Matchers and volatile keys (compared
// by type only, unless the expected value came from a variable: pinned) get a custom comparer.
func compareJSON(expected, actual any, volatile map[string]bool, pinned map[string]bool) []mismatch {
	pe, pa := project(expected, actual)
	rep := &diffReporter{}
	custom := func(p cmp.Path) bool {
		vx, vy := p.Last().Values()
		if !vx.IsValid() || !vy.IsValid() || vx.Kind() != reflect.Interface {
			return false
		}
		if _, ok := matcher(iface(vx)); ok {
			return true
		}
		path := jsonPathOf(p)
		key := lastKey(p)
		return key != "" && volatile[key] && !pinned[path]
	}
	cmp.Equal(pe, pa, cmp.FilterPath(custom, cmp.Comparer(func(x, y any) bool {
		if m, ok := matcher(x); ok {
			return matchValue(m, y)
		}
		if m, ok := matcher(y); ok {
			return matchValue(m, x)
		}
		// a volatile key: the same JSON type is enough
		return jsonType(x) == jsonType(y) || isDateTime(x) && isDateTime(y)
	})), cmp.Reporter(rep))
	return rep.diffs
}

func iface(v reflect.Value) any {
	if v.IsNil() {
		return nil
	}
	return v.Interface()
}

// diffReporter collects go-cmp's differences with their JSON paths.
type diffReporter struct {
	path  cmp.Path
	diffs []mismatch
}

func (r *diffReporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }
func (r *diffReporter) PopStep()                 { r.path = r.path[:len(r.path)-1] }
func (r *diffReporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	vx, vy := r.path.Last().Values()
	r.diffs = append(r.diffs, mismatch{Path: jsonPathOf(r.path), Expected: describe(vx, true), Actual: describe(vy, false)})
}

func describe(v reflect.Value, expected bool) string {
	if !v.IsValid() {
		return "absent"
	}
	var x any
	if v.Kind() == reflect.Interface {
		x = iface(v)
	} else {
		x = v.Interface()
	}
	if m, ok := matcher(x); ok && expected {
		return describeMatcher(m)
	}
	return compactJSON(x)
}

// compactJSON renders a value as JSON without HTML escaping.
func compactJSON(x any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return fmt.Sprint(x)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonPathOf turns a go-cmp path into a JSON path such as $.platform_kubernetes.namespace or $[0].id.
func jsonPathOf(p cmp.Path) string {
	out := "$"
	for _, s := range p {
		switch t := s.(type) {
		case cmp.MapIndex:
			out = jsonPathKey(out, fmt.Sprint(t.Key().Interface()))
		case cmp.SliceIndex:
			kx, ky := t.SplitKeys()
			k := kx
			if k < 0 {
				k = ky
			}
			out += fmt.Sprintf("[%d]", k)
		}
	}
	return out
}

func lastKey(p cmp.Path) string {
	for i := len(p) - 1; i >= 0; i-- {
		switch t := p[i].(type) {
		case cmp.MapIndex:
			return fmt.Sprint(t.Key().Interface())
		case cmp.SliceIndex:
			return ""
		}
	}
	return ""
}
