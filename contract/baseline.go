package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
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
	Format    string        `json:"format"`
	RunID     string        `json:"run_id"`
	SavedAt   time.Time     `json:"saved_at"`
	Target    Target        `json:"target"`
	Strict    bool          `json:"strict"`
	Write     bool          `json:"write"`
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

// normaliser replaces values unique to a run by ${name}.
type normaliser struct {
	strs   [][2]string // value, placeholder; longest first
	nums   map[float64]string
	segs   map[string]string
	root   string
	redact *Redactor
}

func (r *runner) normaliser() *normaliser {
	n := &normaliser{nums: map[float64]string{}, segs: map[string]string{}, root: r.root, redact: r.redact}
	for _, name := range slices.Sorted(maps.Keys(r.runVars)) {
		v, ok := r.vars[name]
		if !ok {
			continue
		}
		ph := "${" + name + "}"
		switch t := v.(type) {
		case string:
			if len(t) >= 6 {
				n.strs = append(n.strs, [2]string{t, ph})
			}
			n.segs[t] = ph
		case float64:
			n.nums[t] = ph
			n.segs[text(t)] = ph
		}
	}
	// the project is normalised in request paths only: it is the same project in both runs
	for _, name := range []string{"project", "group"} {
		if p, ok := r.vars[name].(string); ok {
			n.segs[p] = "${" + name + "}"
		}
	}
	sort.Slice(n.strs, func(i, j int) bool { return len(n.strs[i][0]) > len(n.strs[j][0]) })
	return n
}

func (n *normaliser) str(s string) string {
	s = n.redact.String(s)
	if n.root != "" {
		s = strings.ReplaceAll(s, n.root, "${root}")
	}
	for _, p := range n.strs {
		s = strings.ReplaceAll(s, p[0], p[1])
	}
	return s
}

// path normalises an escaped API path segment by segment.
func (n *normaliser) path(p string) string {
	path, query, _ := strings.Cut(p, "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if ph, ok := n.segs[s]; ok {
			segs[i] = ph
		} else if u, err := urlUnescape(s); err == nil {
			if ph, ok := n.segs[u]; ok {
				segs[i] = ph
			}
		}
	}
	out := strings.Join(segs, "/")
	if query != "" {
		out += "?" + n.str(query)
	}
	return out
}

// value normalises a decoded body. Keys in vol (a write scenario's ids and timestamps, a
// scenario's own volatile keys such as the version) keep only their type: "<integer>".
func (n *normaliser) value(v any, vol map[string]bool, key string) any {
	return redactTree(v, key, func(key string, v any) any {
		switch t := v.(type) {
		case string:
			if vol[key] {
				return "<" + jsonType(t) + ">"
			}
			return n.str(t)
		case float64:
			if ph, ok := n.nums[t]; ok && key == "id" {
				return ph
			}
			if vol[key] {
				return "<" + jsonType(t) + ">"
			}
		}
		return v
	})
}

// runVolatile are the keys a saved run keeps by type only: the scenario's volatile keys, and
// for a write scenario also the ids and timestamps of what it creates.
func runVolatile(sc *Scenario) map[string]bool {
	vol := map[string]bool{}
	for _, k := range sc.Volatile {
		vol[k] = true
	}
	if sc.Write {
		for _, k := range defaultVolatile {
			vol[k] = true
		}
	}
	return vol
}

// add records a step's exchange in the run: for a page walk, the first page's request and
// headers with the items of every page, so that the whole list compares (and its order).
func (run *SavedRun) add(ex *exchange, body any, r *runner, sc *Scenario, findings []Finding) {
	if ex.Err != nil {
		return
	}
	n := r.normaliser()
	re := RunExchange{
		Key:      ex.Scenario + "/" + ex.Step,
		Scenario: sc.Name,
		Step:     ex.Step,
		Write:    sc.Write,
		Request:  ex.Method + " /api/v4" + n.path(ex.APIPath),
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
	if ex.Op != nil {
		if resp, _ := r.chk.response(ex.Op, ex.Status); resp != nil && resp.Headers != nil {
			for name := range resp.Headers.KeysFromOldest() {
				if vs := ex.Header.Values(name); vs != nil {
					re.Headers[name] = n.str(linkHost.ReplaceAllLiteralString(strings.Join(vs, ", "), "<${host}"))
				}
			}
		}
	}
	if ex.isJSON {
		re.Body = n.value(body, runVolatile(sc), "")
	} else if len(ex.Body) > 0 {
		re.Body = truncate(n.str(string(ex.Body)), 2000)
	}
	for _, f := range findings {
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

// learn sends each read request of a step again and marks what differs as volatile,
// as Diffy does with two copies of the old version.
func (r *runner) learn(ctx context.Context, sc *Scenario, exchanges []*exchange) {
	if r.run.Volatile == nil {
		r.run.Volatile = map[string][]string{}
	}
	n := r.normaliser()
	for _, ex := range exchanges {
		if ex.Err != nil {
			continue
		}
		again, err := r.client.do(ctx, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, ex.Method, ex.URL, nil)
			if err == nil {
				req.Header = ex.ReqHeader.Clone()
			}
			return req, err
		})
		if err != nil {
			continue
		}
		key := ex.Scenario + "/" + ex.Step
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
			keys := runVolatile(sc)
			for _, d := range diffValues(n.value(a, keys, ""), n.value(b, keys, ""), "$") {
				vol = append(vol, genericPath(d.Path))
			}
		}
		for _, v := range vol {
			r.run.Volatile[key] = appendUnique(r.run.Volatile[key], v)
		}
		sort.Strings(r.run.Volatile[key])
	}
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
