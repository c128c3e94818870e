package contract

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The normalisation of a saved run, as one policy.
//
// Two runs are compared across days, versions and instances, so what is unique to one run
// must not read as drift, and nothing else may be hidden. savedRunPolicy lists the rules, each
// named with its reason, in the order they apply to a JSON value (the first rule that decides
// wins), in the manner of go-cmp's Options. The same policy normalises a run's exchanges when
// it is saved and the two copies of a read request from which volatile fields are learnt; the
// comparison (drift.go) then reads two runs normalised alike, and ignores only the volatile
// fields either run learnt (exchangeDrift.explained). A run saved before this policy may still
// hold a number as ${name} where it merely equalled one: save such a baseline again.
//
// A value becomes a run variable (${cluster_id}) only where the run put it: a variable the
// run generated (its id, the names and scopes made of it), or an id it captured and then
// sent in a request path or body, and that one only at the place it was captured from, in
// the scenario that captured it. A number that happens to equal one (root's user id 1 and
// the project id 1 on a fresh GitLab) stays a number.

// normRule is one named rule of the policy.
type normRule struct {
	name, reason string
	// str rewrites every string the run saves: body values, headers, a body that is not JSON.
	str func(p *normPlace, s string) string
	// leaf decides a JSON leaf (ok false: the next rule decides).
	leaf func(p *normPlace, at normLeaf) (v any, ok bool)
}

// normPolicy is rules applied in order.
type normPolicy []normRule

// normLeaf is one JSON leaf of a body: where it is and what it holds.
type normLeaf struct {
	path  string // concrete: $[0].user.id
	key   string // the last key: id
	value any
}

// normPlace is what the policy knows of a run and of one scenario of it.
type normPlace struct {
	redact *Redactor
	root   string // the GitLab root URL of the run
	// owners: "/projects/<as given, escaped>/", "/projects/${project}/", and the same as
	// GitLab's Link repeats it in the query: <as given, query-escaped>, ${project}
	owners    [][4]string
	generated [][2]string // value, ${name}: strings the run generated (longest first)
	placed    []placedVar // ids the scenario captured and the run sent
	typeOnly  map[string]bool
}

// placedVar is a variable captured from a response and then sent: it stands for its value at
// the path it was captured from (and in the items of a list of the same things).
type placedVar struct {
	name, at string // at: generic JSONPath of the capture, $.id
	value    any
}

// linkURL is one URL of a Link header.
var linkURL = regexp.MustCompile(`<[^>]*>`)

// savedRunPolicy is the normalisation of a saved run.
var savedRunPolicy = normPolicy{
	{name: "secrets", reason: "the token, the cluster token and the CA certificate the run sent never leave it",
		str: func(p *normPlace, s string) string { return p.redact.String(s) }},
	{name: "target URL", reason: "two instances answer at different URLs; the bodies name the one they were asked at: ${root}",
		str: func(p *normPlace, s string) string {
			if p.root != "" {
				s = strings.ReplaceAll(s, p.root, "${root}")
			}
			return s
		}},
	{name: "scope in links", reason: "GitLab's Link header repeats the project and group as the request named them (an id or a path): /projects/${project}/, /groups/${group}/",
		str: func(p *normPlace, s string) string {
			for _, o := range p.owners {
				s = strings.ReplaceAll(s, o[0], o[1])
			}
			if len(p.owners) == 0 || !strings.Contains(s, "id=") {
				return s
			}
			return linkURL.ReplaceAllStringFunc(s, func(u string) string {
				for _, o := range p.owners {
					if strings.Contains(u, o[1]) {
						u = strings.Replace(u, "id="+o[2]+"&", "id="+o[3]+"&", 1)
						u = strings.Replace(u, "id="+o[2]+">", "id="+o[3]+">", 1)
					}
				}
				return u
			})
		}},
	{name: "generated values", reason: "the run id, and the cluster names and environment scopes made of it, are new on every run: ${run_id}, ${name}, ${scope}",
		str: func(p *normPlace, s string) string {
			for _, g := range p.generated {
				s = strings.ReplaceAll(s, g[0], g[1])
			}
			return s
		}},
	{name: "created ids", reason: "an id the run captured and then sent (the cluster it created) is new on every run: ${name} where it was captured, in that scenario, and nowhere a number merely equals it",
		leaf: func(p *normPlace, at normLeaf) (any, bool) {
			g := genericPath(at.path)
			for _, v := range p.placed {
				if v.value == at.value && (g == v.at || g == "$[*]"+strings.TrimPrefix(v.at, "$")) {
					return "${" + v.name + "}", true
				}
			}
			return nil, false
		}},
	{name: "type only", reason: "ids and timestamps of what a write scenario creates or changes, and a scenario's volatile keys (the version), differ between any two runs: <type>",
		leaf: func(p *normPlace, at normLeaf) (any, bool) {
			if p.typeOnly[at.key] && at.value != nil {
				return "<" + jsonType(at.value) + ">", true
			}
			return nil, false
		}},
}

// typeOnlyKeys is the one definition of the keys compared by type only in a scenario: its own
// volatile keys, and ids and timestamps (defaultVolatile). Expectations compare ids and
// timestamps by type in every scenario (unless a variable pins them); a saved run keeps them
// by value in a read scenario, where they belong to clusters that keep them across an upgrade
// (a change there is drift), and by type in a write scenario, which creates them anew.
func typeOnlyKeys(sc *Scenario, saved bool) map[string]bool {
	keys := map[string]bool{}
	for _, k := range sc.Volatile {
		keys[k] = true
	}
	if !saved || sc.Write {
		for _, k := range defaultVolatile {
			keys[k] = true
		}
	}
	return keys
}

// defaultVolatile are keys that differ between any two runs: compared by type only.
var defaultVolatile = []string{"id", "created_at", "updated_at", "last_activity_at"}

// str applies the string rules.
func (pol normPolicy) str(p *normPlace, s string) string {
	for _, r := range pol {
		if r.str != nil {
			s = r.str(p, s)
		}
	}
	return s
}

// value normalises a decoded body; at is its JSONPath ("$").
func (pol normPolicy) value(p *normPlace, v any, at, key string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if secretKeys[k] && x != nil {
				out[k] = redacted
				continue
			}
			out[k] = pol.value(p, x, jsonPathKey(at, k), k)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = pol.value(p, x, fmt.Sprintf("%s[%d]", at, i), key)
		}
		return out
	}
	for _, r := range pol {
		if r.leaf != nil {
			if out, ok := r.leaf(p, normLeaf{path: at, key: key, value: v}); ok {
				return out
			}
		}
	}
	if s, ok := v.(string); ok {
		return pol.str(p, s)
	}
	return v
}

// runValues is what the runner tells the policy about its variables.
type runValues struct {
	vars      Vars
	generated []string                // names of the variables the run generated
	captured  map[string]capturedFrom // variable → where a response gave it
	sent      map[string]bool         // variables a request path or body used
}

// capturedFrom is where a variable was captured.
type capturedFrom struct{ scenario, at string }

// place is the policy's knowledge for one scenario of the run.
func (rv *runValues) place(redact *Redactor, root string, sc *Scenario) *normPlace {
	p := &normPlace{redact: redact, root: root, typeOnly: typeOnlyKeys(sc, true)}
	for _, name := range rv.generated {
		if s, ok := rv.vars[name].(string); ok && len(s) >= 6 {
			p.generated = append(p.generated, [2]string{s, "${" + name + "}"})
		}
	}
	for _, o := range [][2]string{{"projects", "project"}, {"groups", "group"}} {
		if v, ok := rv.vars[o[1]].(string); ok && v != "" {
			ph := "${" + o[1] + "}"
			p.owners = append(p.owners, [4]string{"/" + o[0] + "/" + url.PathEscape(v) + "/", "/" + o[0] + "/" + ph + "/", url.QueryEscape(v), ph})
		}
	}
	sort.SliceStable(p.generated, func(i, j int) bool { return len(p.generated[i][0]) > len(p.generated[j][0]) })
	for _, name := range slices.Sorted(maps.Keys(rv.captured)) {
		c := rv.captured[name]
		v, ok := rv.vars[name]
		if !ok || !rv.sent[name] || c.scenario != sc.Name {
			continue
		}
		switch v.(type) {
		case float64, string:
			p.placed = append(p.placed, placedVar{name: name, at: genericPath(c.at), value: v})
		}
	}
	return p
}

// pathTemplate is a request's escaped path and query with the run's own variables left as
// ${name}: the project and group it was given, what it generated, and what it captured. The
// request line of a saved run is the step's request, not values looked up afterwards.
func (rv *runValues) pathTemplate(req Request, extra map[string]string) string {
	keep := func(name string) bool {
		if name == "project" || name == "group" || slices.Contains(rv.generated, name) {
			return true
		}
		_, captured := rv.captured[name]
		return captured
	}
	subst := func(s string, escape func(string) string) string {
		return varRef.ReplaceAllStringFunc(s, func(m string) string {
			name := m[2 : len(m)-1]
			if x, ok := rv.vars[name]; ok && !keep(name) {
				return escape(text(x))
			}
			return m
		})
	}
	p := subst(req.Path, url.PathEscape)
	q := url.Values{}
	for k, v := range req.Query {
		q.Set(k, subst(v, func(s string) string { return s }))
	}
	for k, v := range extra {
		q.Set(k, v)
	}
	if len(q) > 0 {
		p += "?" + strings.ReplaceAll(strings.ReplaceAll(q.Encode(), "%24%7B", "${"), "%7D", "}")
	}
	return p
}

// markSent records the variables a request uses in its path, query or body.
func (rv *runValues) markSent(req Request) {
	if rv.sent == nil {
		rv.sent = map[string]bool{}
	}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case string:
			for _, m := range varRef.FindAllStringSubmatch(t, -1) {
				rv.sent[m[1]] = true
			}
		case map[string]any:
			for _, y := range t {
				walk(y)
			}
		case []any:
			for _, y := range t {
				walk(y)
			}
		}
	}
	walk(req.Path)
	for _, v := range req.Query {
		walk(v)
	}
	walk(req.Body)
}
