package contract

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// DriftKind says what an upgrade changed.
type DriftKind string

// Drift kinds.
const (
	DriftBreaks       DriftKind = "breaks-spec"  // the new run departs from the spec where the old one did not
	DriftChanged      DriftKind = "changed"      // different behaviour that still conforms
	DriftUndocumented DriftKind = "undocumented" // a field or header the spec does not declare appeared or went away
)

// Category says what changed; a new spec finding has its Rule as its category.
type Category string

// Drift categories.
const (
	CategoryStatus     Category = "status"
	CategoryPermission Category = "permission" // a status change involving 401, 403 or 404
	CategoryValue      Category = "value"
	CategoryDefault    Category = "default" // a value the request did not set
	CategoryOrdering   Category = "ordering"
	CategoryField      Category = "field"
	CategoryHeader     Category = "header"
	CategoryStep       Category = "step"
	CategoryFixed      Category = "fixed" // a finding of the old run is gone
	CategoryAPI        Category = "api"   // the clusters API itself was switched off or on
)

// Drift is one behavioural difference between two runs.
type Drift struct {
	Kind     DriftKind `json:"kind"`
	Category Category  `json:"category"`
	Key      string    `json:"key"` // the step: scenario/step
	Request  string    `json:"request,omitempty"`
	Field    string    `json:"field,omitempty"`
	Before   string    `json:"before,omitempty"`
	After    string    `json:"after,omitempty"`
	Message  string    `json:"message"`
}

// String is the drift on one line.
func (d Drift) String() string {
	s := fmt.Sprintf("[%s/%s] %s", d.Kind, d.Category, d.Key)
	if d.Field != "" {
		s += " " + d.Field
	}
	s += ": " + d.Message
	if d.Before != "" || d.After != "" {
		s += fmt.Sprintf(" (before %s, after %s)", orDash(d.Before), orDash(d.After))
	}
	return s
}

// specRules are the checks of the spec itself; a new finding of one of them breaks the spec.
// Value and order findings are the scenario's expectations: their drift shows as a change.
var specRules = map[Rule]bool{RuleStatus: true, RuleSchema: true, RuleHeader: true, RuleContentType: true,
	RuleSecret: true, RulePagination: true, RuleUndeclaredField: true, RuleUndeclaredHeader: true, RuleTransport: true}

// BaselineRef names the run a report was compared with.
type BaselineRef struct {
	File    string `json:"file,omitempty"`
	RunID   string `json:"run_id"`
	Version string `json:"version,omitempty"`
	SavedAt string `json:"saved_at,omitempty"`
}

// failingDrift reports whether drift fails a run: breaks and changes always, undocumented
// fields and headers only with --strict.
func failingDrift(drift []Drift, strictMode bool) bool {
	for _, d := range drift {
		if d.Kind != DriftUndocumented || strictMode {
			return true
		}
	}
	return false
}

// compare reports the behavioural drift from before to after. Fields either run found
// volatile are ignored; write steps compare only when both runs wrote.
func compare(before, after *SavedRun) []Drift {
	var out []Drift
	idx := map[string]*RunExchange{}
	for i := range before.Exchanges {
		idx[before.Exchanges[i].Key] = &before.Exchanges[i]
	}
	seen := map[string]bool{}
	bothWrote := before.Write && after.Write
	for i := range after.Exchanges {
		a := &after.Exchanges[i]
		seen[a.Key] = true
		b, ok := idx[a.Key]
		if !ok {
			if a.Write && !bothWrote {
				continue
			}
			out = append(out, Drift{Kind: DriftChanged, Category: CategoryStep, Key: a.Key, Request: a.Request,
				Message: "a request the old run did not make", After: fmt.Sprint(a.Status)})
			continue
		}
		volatile := map[string]bool{}
		for _, v := range before.Volatile[a.Key] {
			volatile[v] = true
		}
		for _, v := range after.Volatile[a.Key] {
			volatile[v] = true
		}
		out = append(out, compareExchange(b, a, volatile)...)
	}
	skipped := toSet(after.Skipped)
	for _, b := range before.Exchanges {
		if seen[b.Key] || b.Write && !bothWrote || skipped[b.Key] {
			continue // (a step the new run skipped because an earlier one failed is not drift)
		}
		out = append(out, Drift{Kind: DriftChanged, Category: CategoryStep, Key: b.Key, Request: b.Request,
			Message: "a request of the old run the new run did not make", Before: fmt.Sprint(b.Status)})
	}
	sort.SliceStable(out, func(i, j int) bool { return kindRank(out[i].Kind) < kindRank(out[j].Kind) })
	return out
}

func kindRank(k DriftKind) int {
	switch k {
	case DriftBreaks:
		return 0
	case DriftChanged:
		return 1
	}
	return 2
}

// exchangeDrift is the drift of one step between two runs, as it is found.
type exchangeDrift struct {
	b, a     *RunExchange
	volatile map[string]bool
	broken   map[string]bool // fields with a new finding: their value drift is not repeated
	out      []Drift
}

func (x *exchangeDrift) add(kind DriftKind, cat Category, field, before, after, msg string) {
	x.out = append(x.out, Drift{Kind: kind, Category: cat, Key: x.a.Key, Request: x.a.Request, Field: field, Before: before, After: after, Message: msg})
}

func compareExchange(b, a *RunExchange, volatile map[string]bool) []Drift {
	x := &exchangeDrift{b: b, a: a, volatile: volatile, broken: map[string]bool{}}
	x.findingDrift()
	if x.statusDrift() {
		return x.out // a different response: its body and headers differ as a matter of course
	}
	x.headerDrift()
	oldU, newU := toSet(b.Undeclared), toSet(a.Undeclared)
	x.undeclaredDrift(oldU, newU)
	x.bodyDrift(oldU, newU)
	return x.out
}

// findingDrift: new spec findings break the spec, gone ones are fixes.
func (x *exchangeDrift) findingDrift() {
	b, a := x.b, x.a
	oldF, newF := toSet(b.Findings), toSet(a.Findings)
	for _, f := range a.Findings {
		r, field, _ := strings.Cut(f, " ")
		if rule := Rule(r); !oldF[f] && specRules[rule] {
			x.broken[field] = true
			if field == "status" && a.Status != b.Status {
				continue // the status drift says it, as breaking
			}
			x.add(DriftBreaks, Category(rule), field, "conforms", "finding: "+string(rule), fmt.Sprintf("new %s finding", rule))
		}
	}
	for _, f := range b.Findings {
		rule, field, _ := strings.Cut(f, " ")
		if !newF[f] && specRules[Rule(rule)] {
			x.add(DriftChanged, CategoryFixed, field, "finding: "+rule, "conforms", fmt.Sprintf("the old %s finding is gone", rule))
		}
	}
}

// statusDrift reports whether the status changed (and is not volatile), and adds that drift.
func (x *exchangeDrift) statusDrift() bool {
	b, a := x.b, x.a
	if a.Status == b.Status || x.volatile["status"] {
		return false
	}
	cat := CategoryStatus
	if permissionChange(b.Status, a.Status) {
		cat = CategoryPermission
	}
	kind := DriftChanged
	if x.broken["status"] {
		kind = DriftBreaks
	}
	x.add(kind, cat, "status", fmt.Sprint(b.Status), fmt.Sprint(a.Status), fmt.Sprintf("status %d became %d", b.Status, a.Status))
	return true
}

// headerDrift compares the declared headers.
func (x *exchangeDrift) headerDrift() {
	b, a := x.b, x.a
	for _, name := range unionKeys(b.Headers, a.Headers) {
		bv, bok := b.Headers[name]
		av, aok := a.Headers[name]
		if bv == av || x.volatile["header "+strings.ToLower(name)] || x.broken["header "+name] {
			continue
		}
		switch {
		case !aok:
			x.add(DriftChanged, CategoryHeader, "header "+name, bv, "absent", "header "+name+" is gone")
		case !bok:
			x.add(DriftChanged, CategoryHeader, "header "+name, "absent", av, "header "+name+" is new")
		default:
			x.add(DriftChanged, CategoryHeader, "header "+name, bv, av, "header "+name+" changed")
		}
	}
}

// undeclaredDrift: undeclared fields and headers appearing or going away.
func (x *exchangeDrift) undeclaredDrift(oldU, newU map[string]bool) {
	for _, u := range x.a.Undeclared {
		if !oldU[u] {
			x.add(DriftUndocumented, undeclaredCategory(u), u, "absent", "present", "new undocumented "+undeclaredWhat(u))
		}
	}
	for _, u := range x.b.Undeclared {
		if !newU[u] {
			x.add(DriftUndocumented, undeclaredCategory(u), u, "present", "absent", "missing undocumented "+undeclaredWhat(u))
		}
	}
}

// bodyDrift compares the bodies, leaving out what a finding, the undeclared drift or a volatile
// field already explains.
func (x *exchangeDrift) bodyDrift(oldU, newU map[string]bool) {
	sent := toSet(x.a.Sent)
	for _, v := range diffValues(x.b.Body, x.a.Body, "$") {
		g := genericPath(v.Path)
		if x.explained(v, g, oldU[g] || newU[g]) {
			continue
		}
		before, after := compactJSON(v.Before), compactJSON(v.After)
		switch v.Change {
		case changeMissing:
			x.add(DriftChanged, CategoryField, v.Path, before, "absent", "field "+v.Path+" is gone")
		case changeNew:
			x.add(DriftChanged, CategoryField, v.Path, "absent", after, "field "+v.Path+" is new")
		case changeOrdering:
			x.add(DriftChanged, CategoryOrdering, v.Path, fmt.Sprint(v.Before), fmt.Sprint(v.After), "the same items in a different order")
		case changeLength:
			x.add(DriftChanged, CategoryValue, v.Path, before+" items", after+" items", "the number of items changed")
		default:
			cat := CategoryValue
			if strings.HasPrefix(x.a.Request, "POST ") && !sent[v.Path] && !sentUnder(v.Path, x.a.Sent) {
				cat = CategoryDefault // a value the request did not set
			}
			x.add(DriftChanged, cat, v.Path, before, after, fmt.Sprintf("%s changed", v.Path))
		}
	}
}

// explained reports whether a body difference at generic path g is not drift of its own: its
// field has a new finding, it is an undeclared field appearing or going away, or it is volatile.
func (x *exchangeDrift) explained(v valueDiff, g string, undeclared bool) bool {
	switch {
	case x.broken[g] || x.broken[v.Path]:
		return true
	case undeclared && (v.Change == changeMissing || v.Change == changeNew):
		return true // reported as undocumented
	case x.volatile[g] && (v.Change == changeValue || v.Change == changeLength || v.Change == changeOrdering):
		return true
	}
	return underVolatile(g, x.volatile)
}

// permissionChange: a status change to or from 401 or 403, or between a success and 404 (what
// GitLab answers for what the user may not see).
func permissionChange(before, after int) bool {
	for _, s := range []int{before, after} {
		if s == 401 || s == 403 {
			return true
		}
	}
	return before == 404 && after/100 == 2 || after == 404 && before/100 == 2
}

func underVolatile(g string, volatile map[string]bool) bool {
	for v := range volatile {
		if strings.HasPrefix(v, "$") && strings.HasPrefix(g, v+".") {
			return true
		}
	}
	return false
}

// sentUnder reports whether the request set the field (its response path has the same leaf
// under platform_kubernetes, which is sent as platform_kubernetes_attributes).
func sentUnder(p string, sent []string) bool {
	q := strings.Replace(p, "$.platform_kubernetes.", "$.platform_kubernetes_attributes.", 1)
	for _, s := range sent {
		if s == q {
			return true
		}
	}
	return false
}

func undeclaredCategory(u string) Category {
	if strings.HasPrefix(u, "header ") {
		return CategoryHeader
	}
	return CategoryField
}

func undeclaredWhat(u string) string {
	if strings.HasPrefix(u, "header ") {
		return u
	}
	return "field " + u
}

func toSet(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

func unionKeys(a, b map[string]string) []string {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return slices.Sorted(maps.Keys(m))
}
