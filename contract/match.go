package contract

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
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

// compareJSON compares actual with expected, after project. Matchers and volatile keys
// (compared by type only, unless the expected value came from a variable: pinned) are judged
// where they stand. Objects are compared key by key in sorted order and arrays index by index,
// so the same two values always give the same mismatches.
func compareJSON(expected, actual any, volatile map[string]bool, pinned map[string]bool) []mismatch {
	pe, pa := project(expected, actual)
	c := jsonComparer{volatile: volatile, pinned: pinned}
	c.compare("$", "", pe, pa, true, true, false)
	return c.diffs
}

// jsonComparer walks two decoded JSON values and collects their mismatches.
type jsonComparer struct {
	volatile, pinned map[string]bool
	diffs            []mismatch
}

// compare compares x (expected) and y (actual) at path; hasX and hasY say whether each side
// has a value there at all, key is the object key the values are under ("" for array items
// and the root), and custom says whether matchers and volatile keys apply (everywhere but the
// root, where compareValue has handled a matcher already).
func (c *jsonComparer) compare(path, key string, x, y any, hasX, hasY, custom bool) {
	if !hasX || !hasY {
		c.report(path, x, y, hasX, hasY)
		return
	}
	if custom {
		if m, ok := matcher(x); ok {
			if !matchValue(m, y) {
				c.report(path, x, y, true, true)
			}
			return
		}
		if key != "" && c.volatile[key] && !c.pinned[path] {
			if !sameVolatileType(x, y) {
				c.report(path, x, y, true, true)
			}
			return
		}
	}
	switch xv := x.(type) {
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok {
			c.report(path, x, y, true, true)
			return
		}
		keys := maps.Clone(xv)
		maps.Copy(keys, yv)
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			xk, inX := xv[k]
			yk, inY := yv[k]
			c.compare(jsonPathKey(path, k), k, xk, yk, inX, inY, true)
		}
	case []any:
		yv, ok := y.([]any)
		if !ok {
			c.report(path, x, y, true, true)
			return
		}
		for i := range max(len(xv), len(yv)) {
			var xi, yi any
			if i < len(xv) {
				xi = xv[i]
			}
			if i < len(yv) {
				yi = yv[i]
			}
			c.compare(fmt.Sprintf("%s[%d]", path, i), "", xi, yi, i < len(xv), i < len(yv), true)
		}
	default:
		if reflect.TypeOf(x) != reflect.TypeOf(y) || !reflect.DeepEqual(x, y) {
			c.report(path, x, y, true, true)
		}
	}
}

// sameVolatileType: for a volatile key the same JSON type is enough (a date-time string is one
// type of its own). An actual value that reads as a matcher is applied to the expected one.
func sameVolatileType(x, y any) bool {
	if m, ok := matcher(y); ok {
		return matchValue(m, x)
	}
	return jsonType(x) == jsonType(y) || isDateTime(x) && isDateTime(y)
}

func (c *jsonComparer) report(path string, x, y any, hasX, hasY bool) {
	expected, actual := "absent", "absent"
	if hasX {
		expected = compactJSON(x)
		if m, ok := matcher(x); ok {
			expected = describeMatcher(m)
		}
	}
	if hasY {
		actual = compactJSON(y)
	}
	c.diffs = append(c.diffs, mismatch{Path: path, Expected: expected, Actual: actual})
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
