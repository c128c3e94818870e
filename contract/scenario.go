package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Scenario is one file of fixtures/scenarios: steps replayed in order, sharing captured values.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Write scenarios create, change and delete clusters; they run only with --write.
	Write bool `json:"write,omitempty"`
	// Clusters is the kind of clusters the scenario checks: "project", "group" or "instance".
	// Its steps run only when the run checks that kind (--project, --group, --instance); ""
	// runs always.
	Clusters string `json:"clusters,omitempty"`
	// Volatile lists JSON keys compared by type only (ids, timestamps), at any depth,
	// unless the expected value comes from a captured variable.
	Volatile []string `json:"volatile,omitempty"`
	// SecretsAllowedAt lists, per secret variable, the JSON paths where the spec documents
	// that GitLab returns it (the CA certificate at $.platform_kubernetes.ca_cert). Anywhere
	// else, and always for a secret not listed, its appearance is a finding.
	SecretsAllowedAt map[string][]string `json:"secretsAllowedAt,omitempty"`
	Steps            []*Step             `json:"steps"`

	File string `json:"-"` // where it was loaded from
}

// Step is one request (or a walk of pages, or one request per item of a captured list) and its expectations.
type Step struct {
	Name string `json:"name"`
	// Clusters, as the scenario's, for one step (the project steps of a scenario that also
	// asks for the version and the user).
	Clusters string  `json:"clusters,omitempty"`
	Request  Request `json:"request"`
	// Paginate walks every page of a list with a small per_page, checking each page.
	Paginate *Paginate `json:"paginate,omitempty"`
	// Foreach repeats the step for each item of a captured list, bound to the variable As.
	Foreach string `json:"foreach,omitempty"`
	As      string `json:"as,omitempty"`
	Expect  Expect `json:"expect"`
	// Capture stores values of the response for later steps: name -> JSON path ($.id, $[*].id).
	Capture map[string]string `json:"capture,omitempty"`
	// Cleanup is the request that undoes this step; it is registered when all of its
	// variables are known after the response (a 2xx with an id) and run before exit unless a
	// later step already made the same request successfully.
	Cleanup *Request `json:"cleanup,omitempty"`
	// Requires lists variables that must have been captured for the step to make sense
	// (a duplicate of the created cluster needs the created cluster); without them it is skipped.
	Requires []string `json:"requires,omitempty"`
	// SkipIf ends the run as skipped (exit 0) when the response matches, e.g. GitLab's flag-off 404.
	SkipIf []Condition `json:"skipIf,omitempty"`
	// AbortIf ends the run as a usage error (exit 2) when the response matches, e.g. a rejected token.
	AbortIf []Condition `json:"abortIf,omitempty"`
}

// Request is what a step sends. Path is relative to /api/v4; ${name} is replaced by variables
// (path-escaped in Path and Query, typed when a JSON string is exactly "${name}").
type Request struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Query  map[string]string `json:"query,omitempty"`
	Body   any               `json:"body,omitempty"`
	// Auth is "token" (the default: the --token), "none", or "invalid" (a token GitLab cannot know).
	Auth string `json:"auth,omitempty"`
}

// Expect is what a step's response must be, beyond conforming to the spec.
type Expect struct {
	Status int `json:"status"`
	// Body is compared on the keys it lists, arrays index by index (extra keys in the response are the
	// spec's business). Strings starting with "@" are matchers: @any, @absent, @type:T
	// (string, integer, number, boolean, object, array, null, date-time), @prefix:S,
	// @contains:S, @regex:R, @anyprefix:S (an array with an item starting with S).
	Body any `json:"body,omitempty"`
	// Empty requires an empty body (204).
	Empty bool `json:"empty,omitempty"`
	// Contains requires some item of a paginated list to match (like Body).
	Contains any `json:"contains,omitempty"`
}

// Paginate configures a page walk.
type Paginate struct {
	PerPage   int    `json:"perPage"`
	MaxPages  int    `json:"maxPages,omitempty"`  // default 200
	OrderedBy string `json:"orderedBy,omitempty"` // a numeric key that must increase across pages, e.g. "id"
}

// Condition matches a response by status and, optionally, body (as Expect.Body).
type Condition struct {
	Status int    `json:"status"`
	Body   any    `json:"body,omitempty"`
	Reason string `json:"reason"`
}

// IsRead reports whether a step is safe to repeat: GET or HEAD.
func (s *Step) IsRead() bool {
	m := strings.ToUpper(s.Request.Method)
	return m == http.MethodGet || m == http.MethodHead
}

// LoadScenarios reads every *.json file of dir in fsys, in name order.
func LoadScenarios(fsys fs.FS, dir string) ([]*Scenario, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no scenarios (*.json) in %s", dir)
	}
	sort.Strings(names)
	var out []*Scenario
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sc, err := ParseScenario(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		sc.File = name
		out = append(out, sc)
	}
	return out, nil
}

// ParseScenario decodes and checks one scenario; unknown keys are errors, to catch typos.
func ParseScenario(raw []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, err
	}
	sc.normalize()
	return &sc, sc.check()
}

// normalize turns json.Number (kept exact while decoding) into float64, as bodies decode.
func (sc *Scenario) normalize() {
	for _, st := range sc.Steps {
		st.Request.Body = numbersToFloat(st.Request.Body)
		st.Expect.Body = numbersToFloat(st.Expect.Body)
		st.Expect.Contains = numbersToFloat(st.Expect.Contains)
		if st.Cleanup != nil {
			st.Cleanup.Body = numbersToFloat(st.Cleanup.Body)
		}
		for i := range st.SkipIf {
			st.SkipIf[i].Body = numbersToFloat(st.SkipIf[i].Body)
		}
		for i := range st.AbortIf {
			st.AbortIf[i].Body = numbersToFloat(st.AbortIf[i].Body)
		}
	}
}

func numbersToFloat(v any) any {
	switch t := v.(type) {
	case json.Number:
		f, _ := t.Float64()
		return f
	case map[string]any:
		for k, x := range t {
			t[k] = numbersToFloat(x)
		}
	case []any:
		for i, x := range t {
			t[i] = numbersToFloat(x)
		}
	}
	return v
}

// clusterKinds are the values of a scenario's or a step's "clusters" ("" for any run).
var clusterKinds = map[string]bool{"": true, KindProject: true, KindGroup: true, KindInstance: true}

var methods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true}

func (sc *Scenario) check() error {
	if sc.Name == "" {
		return fmt.Errorf("scenario has no name")
	}
	if len(sc.Steps) == 0 {
		return fmt.Errorf("scenario %q has no steps", sc.Name)
	}
	if !clusterKinds[sc.Clusters] {
		return fmt.Errorf("scenario %q: clusters %q: want project, group or instance", sc.Name, sc.Clusters)
	}
	seen := map[string]bool{}
	for i, st := range sc.Steps {
		where := fmt.Sprintf("scenario %q step %d (%s)", sc.Name, i+1, st.Name)
		switch {
		case !clusterKinds[st.Clusters]:
			return fmt.Errorf("%s: clusters %q: want project, group or instance", where, st.Clusters)
		case sc.Clusters != "" && st.Clusters != "" && st.Clusters != sc.Clusters:
			return fmt.Errorf("%s: clusters %q in a scenario for %s clusters", where, st.Clusters, sc.Clusters)
		case st.Name == "":
			return fmt.Errorf("%s: no name", where)
		case seen[st.Name]:
			return fmt.Errorf("%s: duplicate step name", where)
		case !methods[strings.ToUpper(st.Request.Method)]:
			return fmt.Errorf("%s: method %q", where, st.Request.Method)
		case !strings.HasPrefix(st.Request.Path, "/"):
			return fmt.Errorf("%s: path %q must start with /", where, st.Request.Path)
		case st.Expect.Status < 100 || st.Expect.Status > 599:
			return fmt.Errorf("%s: expect.status %d", where, st.Expect.Status)
		case st.Foreach != "" && st.As == "":
			return fmt.Errorf("%s: foreach needs as", where)
		case st.Paginate != nil && st.Paginate.PerPage < 1:
			return fmt.Errorf("%s: paginate.perPage must be at least 1", where)
		case st.Paginate != nil && !st.IsRead():
			return fmt.Errorf("%s: only GET can paginate", where)
		case st.Request.Auth != "" && st.Request.Auth != "token" && st.Request.Auth != "none" && st.Request.Auth != "invalid":
			return fmt.Errorf("%s: auth %q", where, st.Request.Auth)
		case sc.Write == false && !st.IsRead():
			return fmt.Errorf("%s: %s in a scenario without \"write\": true", where, st.Request.Method)
		}
		if err := st.checkMatchers(); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		for name, p := range st.Capture {
			if _, err := parseJSONPath(p); err != nil {
				return fmt.Errorf("%s: capture %s: %w", where, name, err)
			}
		}
		seen[st.Name] = true
	}
	return nil
}

// Vars are the values ${name} refers to: built-ins (project, run_id, name, scope,
// secret_token, secret_ca_cert) and captured values.
type Vars map[string]any

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// missingVars lists the variables a value refers to that are not set.
func (v Vars) missingVars(values ...any) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case string:
			for _, m := range varRef.FindAllStringSubmatch(t, -1) {
				if _, ok := v[m[1]]; !ok && !seen[m[1]] {
					seen[m[1]] = true
					out = append(out, m[1])
				}
			}
		case map[string]any:
			for _, y := range t {
				walk(y)
			}
		case []any:
			for _, y := range t {
				walk(y)
			}
		case map[string]string:
			for _, y := range t {
				walk(y)
			}
		}
	}
	for _, x := range values {
		walk(x)
	}
	sort.Strings(out)
	return out
}

// text formats a variable for interpolation into a string.
func text(x any) string {
	switch t := x.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case nil:
		return ""
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

// String interpolates variables into s.
func (v Vars) String(s string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		if x, ok := v[m[2:len(m)-1]]; ok {
			return text(x)
		}
		return m
	})
}

// PathString interpolates path-escaped values (a project path becomes demo-group%2Fdemo).
func (v Vars) PathString(s string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		if x, ok := v[m[2:len(m)-1]]; ok {
			return url.PathEscape(text(x))
		}
		return m
	})
}

// Value substitutes variables in a JSON value. A string that is exactly "${name}" takes the
// variable's value and type; pinned collects the JSON paths of such values.
func (v Vars) Value(x any, at string, pinned map[string]bool) any {
	switch t := x.(type) {
	case string:
		if m := varRef.FindStringSubmatch(t); m != nil && m[0] == t {
			if val, ok := v[m[1]]; ok {
				if pinned != nil {
					pinned[at] = true
				}
				return val
			}
		}
		return v.String(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, y := range t {
			out[k] = v.Value(y, jsonPathKey(at, k), pinned)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, y := range t {
			out[i] = v.Value(y, fmt.Sprintf("%s[%d]", at, i), pinned)
		}
		return out
	default:
		return x
	}
}
