package contract

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// matcherTypes are the arguments @type: accepts.
var matcherTypes = map[string]bool{"string": true, "integer": true, "number": true, "boolean": true,
	"object": true, "array": true, "null": true, "date-time": true}

// checkMatcher says what is wrong with a matcher string ("@name[:arg]"), nil when it is valid.
// Scenario files are user input (--scenarios DIR): every matcher is checked when they load.
func checkMatcher(m string) error {
	name, arg, hasArg := strings.Cut(m[1:], ":")
	switch name {
	case "any", "absent":
		if hasArg {
			return fmt.Errorf("matcher %q: @%s takes no argument", m, name)
		}
	case "type":
		if !matcherTypes[arg] {
			return fmt.Errorf("matcher %q: @type needs one of %s, as in \"@type:string\"", m, strings.Join(slices.Sorted(maps.Keys(matcherTypes)), ", "))
		}
	case "prefix", "contains", "anyprefix":
		if arg == "" {
			return fmt.Errorf("matcher %q: @%s needs a string after the colon, as in \"@%s:404\"", m, name, name)
		}
	case "regex":
		if arg == "" {
			return fmt.Errorf("matcher %q: @regex needs a regular expression after the colon", m)
		}
		if _, err := regexp.Compile(arg); err != nil {
			return fmt.Errorf("matcher %q: %v", m, err)
		}
	default:
		return fmt.Errorf("unknown matcher %q: the matchers are @any, @absent, @type:T, @prefix:S, @contains:S, @regex:R, @anyprefix:S", m)
	}
	return nil
}

// checkMatchers checks every matcher in an expected value; at is its JSON path.
func checkMatchers(v any, at string) error {
	var first error
	walkStrings(v, at, func(path, s string) {
		if m, ok := matcher(s); ok && first == nil {
			if err := checkMatcher(m); err != nil {
				first = fmt.Errorf("%s: %w", path, err)
			}
		}
	})
	return first
}

// checkMatchers checks the matchers of every expectation of a step.
func (st *Step) checkMatchers() error {
	for _, e := range []struct {
		what string
		v    any
	}{{"expect.body", st.Expect.Body}, {"expect.contains", st.Expect.Contains}} {
		if err := checkMatchers(e.v, "$"); err != nil {
			return fmt.Errorf("%s %w", e.what, err)
		}
	}
	for what, conds := range map[string][]Condition{"skipIf": st.SkipIf, "abortIf": st.AbortIf} {
		for i, c := range conds {
			if err := checkMatchers(c.Body, "$"); err != nil {
				return fmt.Errorf("%s[%d].body %w", what, i, err)
			}
		}
	}
	return nil
}
