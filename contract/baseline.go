package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// runFormat versions saved runs (--save-baseline files).
const runFormat = "glcontract-run/1"

// SavedRun is a saved run: every exchange normalised (values unique to the run replaced by
// ${name}, secrets redacted) with the fields that change on their own marked volatile.
type SavedRun struct {
	Format  string    `json:"format"`
	RunID   string    `json:"run_id"`
	SavedAt time.Time `json:"saved_at"`
	Target  Target    `json:"target"`
	Strict  bool      `json:"strict"`
	Write   bool      `json:"write"`
	// Scope is which clusters the run checked (nil in runs saved before it was recorded: their
	// Target has the flags as given).
	Scope     *RunScope     `json:"scope,omitempty"`
	Exchanges []RunExchange `json:"exchanges"`
	// APIOff is why the run was skipped when the clusters API was switched off or absent on
	// the target ("" when it was available): a later run where it is back shows that change.
	APIOff string `json:"clusters_api_off,omitempty"`
	// Skipped lists the steps (keys) the run skipped because an earlier step failed.
	Skipped []string `json:"skipped,omitempty"`
	// Volatile lists, per exchange key, the fields ("$.path", generic) and headers
	// ("header X") that differed when the same read request was sent twice.
	Volatile map[string][]string `json:"volatile,omitempty"`
}

// RunExchange is one normalised request and response.
type RunExchange struct {
	Key        string            `json:"key"` // scenario/step[ [item]][#page=N]
	Scenario   string            `json:"scenario"`
	Step       string            `json:"step"`
	Write      bool              `json:"write,omitempty"` // from a write scenario
	Request    string            `json:"request"`         // GET /api/v4/projects/${project}/clusters/${cluster_id}
	Sent       []string          `json:"sent,omitempty"`  // fields the request body set ($.name, ...)
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers,omitempty"` // Content-Type and the headers the spec declares
	Body       any               `json:"body,omitempty"`
	Undeclared []string          `json:"undeclared,omitempty"` // fields and headers the spec does not declare
	Findings   []string          `json:"findings,omitempty"`   // "rule field" of each error
}

// linkHost is the scheme and host of a URL in a Link header: GitLab's external URL, which
// may differ from the URL the suite was given.
var linkHost = regexp.MustCompile(`<https?://[^/>]+`)

// recorded is one step's exchange as the run saw it, normalised into the saved run when the
// run ends: only then is it known which captured ids the run went on to send.
type recorded struct {
	ex       *exchange
	template string // the request path with the run's variables as ${name}
	body     any    // decoded (all items of a page walk)
	sc       *Scenario
	findings []Finding
	declared []string    // the headers the spec declares for the answer
	again    []sentTwice // read requests sent again, to learn volatile fields
}

// sentTwice is a read request's answer and the answer to the same request sent again.
type sentTwice struct {
	ex    *exchange
	again *response
}

// add records a step's exchange in the run: for a page walk, the first page's request and
// headers with the items of every page, so that the whole list compares (and its order).
func (run *SavedRun) add(rec *recorded, p *normPlace) {
	ex, pol := rec.ex, savedRunPolicy
	re := RunExchange{
		Key:      ex.Scenario + "/" + ex.Step,
		Scenario: rec.sc.Name,
		Step:     ex.Step,
		Write:    rec.sc.Write,
		Request:  ex.Method + " /api/v4" + pol.str(p, rec.template),
		Status:   ex.Status,
		Headers:  map[string]string{},
	}
	if ex.ReqBody != nil {
		var sent any
		if json.Unmarshal(ex.ReqBody, &sent) == nil {
			walkLeaves(sent, "$", func(p string, _ any) { re.Sent = append(re.Sent, p) })
			sort.Strings(re.Sent)
		}
	}
	if ct := ex.Header.Values("Content-Type"); ct != nil {
		re.Headers["Content-Type"] = strings.Join(ct, ", ")
	}
	for _, name := range rec.declared {
		if vs := ex.Header.Values(name); vs != nil {
			re.Headers[name] = pol.str(p, linkHost.ReplaceAllLiteralString(strings.Join(vs, ", "), "<${host}"))
		}
	}
	if ex.isJSON {
		re.Body = pol.value(p, rec.body, "$", "")
	} else if len(ex.Body) > 0 {
		re.Body = truncate(pol.str(p, string(ex.Body)), 2000)
	}
	for _, f := range rec.findings {
		switch {
		case f.Rule == RuleUndeclaredField:
			re.Undeclared = appendUnique(re.Undeclared, genericPath(f.Field))
		case f.Rule == RuleUndeclaredHeader:
			re.Undeclared = appendUnique(re.Undeclared, strings.ToLower(f.Field))
		}
		if f.Severity == SeverityError {
			re.Findings = appendUnique(re.Findings, string(f.Rule)+" "+genericPath(f.Field))
		}
	}
	sort.Strings(re.Undeclared)
	sort.Strings(re.Findings)
	run.Exchanges = append(run.Exchanges, re)
	for _, t := range rec.again {
		run.learn(re.Key, t.ex, t.again, p)
	}
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func walkLeaves(v any, path string, fn func(string, any)) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			walkLeaves(x, jsonPathKey(path, k), fn)
		}
	case []any:
		for i, x := range t {
			walkLeaves(x, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	default:
		fn(path, v)
	}
}

// learn marks as volatile what differs between a read request's answer and the same request
// sent again, both normalised by the policy, as Diffy does with two copies of the old version.
func (run *SavedRun) learn(key string, ex *exchange, again *response, p *normPlace) {
	if run.Volatile == nil {
		run.Volatile = map[string][]string{}
	}
	var vol []string
	if again.Status != ex.Status {
		vol = append(vol, "status")
	}
	for name := range ex.Header {
		if strings.Join(ex.Header.Values(name), ",") != strings.Join(again.Header.Values(name), ",") {
			vol = append(vol, "header "+strings.ToLower(name))
		}
	}
	var a, b any
	if json.Unmarshal(ex.Body, &a) == nil && json.Unmarshal(again.Body, &b) == nil {
		for _, d := range diffValues(savedRunPolicy.value(p, a, "$", ""), savedRunPolicy.value(p, b, "$", ""), "$") {
			vol = append(vol, genericPath(d.Path))
		}
	}
	for _, v := range vol {
		run.Volatile[key] = appendUnique(run.Volatile[key], v)
	}
	sort.Strings(run.Volatile[key])
}

// sendAgain sends each read request of a step again, for learn.
func (r *runner) sendAgain(ctx context.Context, exchanges []*exchange) []sentTwice {
	var out []sentTwice
	for _, ex := range exchanges {
		if ex.Err != nil {
			continue
		}
		if again, _ := r.t.send(ctx, request{Method: ex.Method, APIPath: ex.APIPath, Auth: ex.auth}); again != nil {
			out = append(out, sentTwice{ex, again})
		}
	}
	return out
}

// savedRun normalises what the run recorded into its saved run, with the policy.
func (r *runner) savedRun() *SavedRun {
	places := map[*Scenario]*normPlace{}
	for _, rec := range r.recorded {
		p := places[rec.sc]
		if p == nil {
			p = r.values.place(r.redact, r.t.root, rec.sc)
			places[rec.sc] = p
		}
		r.run.add(rec, p)
	}
	return r.run
}

// SaveRun writes a run as indented JSON.
func SaveRun(path string, run *SavedRun) error {
	b, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// LoadRun reads a file written by SaveRun.
func LoadRun(path string) (*SavedRun, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var run SavedRun
	if err := json.Unmarshal(b, &run); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var report struct {
		Tool string `json:"tool"`
	}
	if run.Format == "" && json.Unmarshal(b, &report) == nil && strings.HasPrefix(report.Tool, "glcontract") {
		return nil, fmt.Errorf("%s is a %s report (--json), not a saved run: save a run with glcontract check --save-baseline FILE "+
			"(before and after the upgrade), then compare the two with glcontract diff BEFORE AFTER or check --baseline BEFORE", path, report.Tool)
	}
	if run.Format != runFormat {
		return nil, fmt.Errorf("%s: not a saved run (format %q, want %q)", path, run.Format, runFormat)
	}
	return &run, nil
}

// valueDiff is one difference between two normalised bodies.
type valueDiff struct {
	Path          string
	Before, After any
	Change        change
}

// change says how a value differs between two bodies.
type change string

const (
	changeValue    change = "value"
	changeType     change = "type"     // a different JSON type
	changeMissing  change = "missing"  // a field only the first body has
	changeNew      change = "new"      // a field only the second body has
	changeOrdering change = "ordering" // the same items in another order
	changeLength   change = "length"   // a list of another length
)

// diffValues compares two decoded JSON values.
func diffValues(a, b any, path string) []valueDiff {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return []valueDiff{{Path: path, Before: a, After: b, Change: changeType}}
		}
		var out []valueDiff
		for _, k := range slices.Sorted(maps.Keys(x)) {
			p := jsonPathKey(path, k)
			if yv, ok := y[k]; ok {
				out = append(out, diffValues(x[k], yv, p)...)
			} else {
				out = append(out, valueDiff{Path: p, Before: x[k], Change: changeMissing})
			}
		}
		for _, k := range slices.Sorted(maps.Keys(y)) {
			if _, ok := x[k]; !ok {
				out = append(out, valueDiff{Path: jsonPathKey(path, k), After: y[k], Change: changeNew})
			}
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok {
			return []valueDiff{{Path: path, Before: a, After: b, Change: changeType}}
		}
		if len(x) == len(y) && !reflect.DeepEqual(x, y) && sameMultiset(x, y) {
			return []valueDiff{{Path: path, Before: summarize(x), After: summarize(y), Change: changeOrdering}}
		}
		var out []valueDiff
		if len(x) != len(y) {
			out = append(out, valueDiff{Path: path, Before: len(x), After: len(y), Change: changeLength})
		}
		for i := 0; i < len(x) && i < len(y); i++ {
			out = append(out, diffValues(x[i], y[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	default:
		if reflect.DeepEqual(a, b) {
			return nil
		}
		if jsonType(a) != jsonType(b) && !(a == nil || b == nil) {
			return []valueDiff{{Path: path, Before: a, After: b, Change: changeType}}
		}
		return []valueDiff{{Path: path, Before: a, After: b, Change: changeValue}}
	}
}

func sameMultiset(x, y []any) bool {
	count := map[string]int{}
	for _, v := range x {
		count[compactJSON(v)]++
	}
	for _, v := range y {
		count[compactJSON(v)]--
	}
	for _, c := range count {
		if c != 0 {
			return false
		}
	}
	return true
}

// summarize shows a list by its items' ids (or names) for an ordering drift.
func summarize(list []any) string {
	var ids []string
	for _, it := range list {
		if m, ok := it.(map[string]any); ok {
			if v, ok := m["id"]; ok {
				ids = append(ids, text(v))
				continue
			}
			if v, ok := m["name"]; ok {
				ids = append(ids, text(v))
				continue
			}
		}
		ids = append(ids, truncate(compactJSON(it), 20))
	}
	return "[" + strings.Join(ids, ", ") + "]"
}

func urlUnescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, fmt.Errorf("not escaped")
	}
	return url.PathUnescape(s)
}
