package contract

import (
	"fmt"
	"sort"
	"strings"
)

// Drift kinds: what an upgrade changed.
const (
	DriftBreaks       = "breaks-spec"  // the new run departs from the spec where the old one did not
	DriftChanged      = "changed"      // different behaviour that still conforms
	DriftUndocumented = "undocumented" // a field or header the spec does not declare appeared or went away
)

// Drift categories say what changed.
const (
	CategoryStatus     = "status"
	CategoryPermission = "permission" // a status change involving 401, 403 or 404
	CategoryValue      = "value"
	CategoryDefault    = "default" // a value the request did not set
	CategoryOrdering   = "ordering"
	CategoryField      = "field"
	CategoryHeader     = "header"
	CategoryStep       = "step"
	CategoryFixed      = "fixed" // a finding of the old run is gone
	CategoryAPI        = "api"   // the clusters API itself was switched off or on
)

// Drift is one behavioural difference between two runs.
type Drift struct {
	Kind     string `json:"kind"`
	Category string `json:"category"`
	Key      string `json:"key"` // the step: scenario/step
	Request  string `json:"request,omitempty"`
	Field    string `json:"field,omitempty"`
	Before   string `json:"before,omitempty"`
	After    string `json:"after,omitempty"`
	Message  string `json:"message"`
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
var specRules = map[string]bool{RuleStatus: true, RuleSchema: true, RuleHeader: true, RuleContentType: true,
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

// Compare reports the behavioural drift from before to after. Fields either run found
// volatile are ignored; write steps compare only when both runs wrote.
func Compare(before, after *SavedRun) []Drift {
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

func kindRank(k string) int {
	switch k {
	case DriftBreaks:
		return 0
	case DriftChanged:
		return 1
	}
	return 2
}

func compareExchange(b, a *RunExchange, volatile map[string]bool) []Drift {
	var out []Drift
	d := func(kind, cat, field, before, after, msg string) {
		out = append(out, Drift{Kind: kind, Category: cat, Key: a.Key, Request: a.Request, Field: field, Before: before, After: after, Message: msg})
	}
	// findings: new ones break the spec, gone ones are fixes
	oldF := toSet(b.Findings)
	newF := toSet(a.Findings)
	broken := map[string]bool{} // fields with a new finding: their value drift is not repeated
	for _, f := range a.Findings {
		rule, field, _ := strings.Cut(f, " ")
		if !oldF[f] && specRules[rule] {
			broken[field] = true
			if field == "status" && a.Status != b.Status {
				continue // the status drift below says it, as breaking
			}
			d(DriftBreaks, rule, field, "conforms", "finding: "+rule, fmt.Sprintf("new %s finding", rule))
		}
	}
	for _, f := range b.Findings {
		rule, field, _ := strings.Cut(f, " ")
		if !newF[f] && specRules[rule] {
			d(DriftChanged, CategoryFixed, field, "finding: "+rule, "conforms", fmt.Sprintf("the old %s finding is gone", rule))
		}
	}
	// status
	if a.Status != b.Status && !volatile["status"] {
		cat := CategoryStatus
		if permissionChange(b.Status, a.Status) {
			cat = CategoryPermission
		}
		kind := DriftChanged
		if broken["status"] {
			kind = DriftBreaks
		}
		d(kind, cat, "status", fmt.Sprint(b.Status), fmt.Sprint(a.Status), fmt.Sprintf("status %d became %d", b.Status, a.Status))
		return out // a different response: its body and headers differ as a matter of course
	}
	// declared headers
	for _, name := range unionKeys(b.Headers, a.Headers) {
		bv, bok := b.Headers[name]
		av, aok := a.Headers[name]
		if bv == av || volatile["header "+strings.ToLower(name)] || broken["header "+name] {
			continue
		}
		switch {
		case !aok:
			d(DriftChanged, CategoryHeader, "header "+name, bv, "absent", "header "+name+" is gone")
		case !bok:
			d(DriftChanged, CategoryHeader, "header "+name, "absent", av, "header "+name+" is new")
		default:
			d(DriftChanged, CategoryHeader, "header "+name, bv, av, "header "+name+" changed")
		}
	}
	// undeclared fields and headers appearing or going away
	oldU, newU := toSet(b.Undeclared), toSet(a.Undeclared)
	for _, u := range a.Undeclared {
		if !oldU[u] {
			d(DriftUndocumented, undeclaredCategory(u), u, "absent", "present", "new undocumented "+undeclaredWhat(u))
		}
	}
	for _, u := range b.Undeclared {
		if !newU[u] {
			d(DriftUndocumented, undeclaredCategory(u), u, "present", "absent", "missing undocumented "+undeclaredWhat(u))
		}
	}
	// body
	sent := toSet(a.Sent)
	for _, v := range diffValues(b.Body, a.Body, "$") {
		g := genericPath(v.Path)
		if broken[g] || broken[v.Path] {
			continue
		}
		if oldU[g] || newU[g] {
			if v.Change == "missing" || v.Change == "new" {
				continue // reported above as undocumented
			}
		}
		if volatile[g] && (v.Change == "value" || v.Change == "length" || v.Change == "ordering") {
			continue
		}
		if underVolatile(g, volatile) {
			continue
		}
		before, after := compactJSON(v.Before), compactJSON(v.After)
		switch v.Change {
		case "missing":
			d(DriftChanged, CategoryField, v.Path, before, "absent", "field "+v.Path+" is gone")
		case "new":
			d(DriftChanged, CategoryField, v.Path, "absent", after, "field "+v.Path+" is new")
		case "ordering":
			d(DriftChanged, CategoryOrdering, v.Path, fmt.Sprint(v.Before), fmt.Sprint(v.After), "the same items in a different order")
		case "length":
			d(DriftChanged, CategoryValue, v.Path, before+" items", after+" items", "the number of items changed")
		default:
			cat := CategoryValue
			if strings.HasPrefix(a.Request, "POST ") && !sent[v.Path] && !sentUnder(v.Path, a.Sent) {
				cat = CategoryDefault
			}
			d(DriftChanged, cat, v.Path, before, after, fmt.Sprintf("%s changed", v.Path))
		}
	}
	return out
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

func undeclaredCategory(u string) string {
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
	return sortedKeys(m)
}
