package contract

import (
	"sort"
	"strings"
	"time"
)

// Result is how a run ended.
type Result string

// Results of a run.
const (
	ResultPass        Result = "pass"        // conformant
	ResultFail        Result = "fail"        // findings (or drift)
	ResultSkipped     Result = "skipped"     // the clusters API is off or absent on the target
	ResultAborted     Result = "aborted"     // a usage error or an unreachable target
	ResultInterrupted Result = "interrupted" // canceled (Ctrl-C); cleanup still ran
)

// Report is a run's results as data; the reporters render it.
type Report struct {
	Tool       string       `json:"tool"`
	RunID      string       `json:"run_id"`
	Target     Target       `json:"target"`
	StartedAt  time.Time    `json:"started_at"`
	DurationMS int64        `json:"duration_ms"`
	Write      bool         `json:"write"`
	Strict     bool         `json:"strict"`
	Result     Result       `json:"result"`
	Reason     string       `json:"reason,omitempty"` // why skipped, aborted or interrupted
	Steps      []StepResult `json:"steps"`
	Findings   []Finding    `json:"findings"` // errors, then notes
	Cleanup    []Cleanup    `json:"cleanup,omitempty"`
	Baseline   *BaselineRef `json:"baseline,omitempty"` // what --baseline compared with
	Drift      []Drift      `json:"drift,omitempty"`

	run    *SavedRun // the normalised exchanges, for --save-baseline
	diff   bool      // made by "glcontract diff": drift only, no steps of its own
	redact *Redactor // applied again by every renderer
}

// SavedRun returns the run normalised for --save-baseline (nil for a report from diff).
func (r *Report) SavedRun() *SavedRun { return r.run }

// Redact hides in s the secrets the run sent (the API token, the cluster token, the CA
// certificate), as every reporter does: for a message printed next to the report.
func (r *Report) Redact(s string) string { return r.redactor().String(s) }

// CompareWith sets the report's drift against a saved run and recomputes its result.
func (r *Report) CompareWith(base *SavedRun, file string) {
	if r.run == nil || base == nil {
		return
	}
	r.Baseline = &BaselineRef{File: file, RunID: base.RunID, Version: base.Target.Version, SavedAt: base.SavedAt.Format("2006-01-02 15:04 UTC")}
	if msg := scopeMismatch(scopeOf(base), scopeOf(r.run)); msg != "" {
		r.Drift, r.Result, r.Reason = nil, ResultAborted, ErrUsage.Error()+": "+msg
		return
	}
	before, after := base.APIOff, r.run.APIOff
	switch {
	case before == "" && after != "":
		// the most important drift there is: the upgrade took the API away
		why := "the clusters API was available in the baseline" + versionSuffix(base.Target.Version) + " and is now disabled (or gone): " + after
		if strings.Contains(after, "disabled") {
			why += "; " + flagOnAdvice
		}
		r.Drift = []Drift{{Kind: DriftBreaks, Category: CategoryAPI, Key: "clusters API", Before: "available", After: "disabled (or gone)", Message: after}}
		r.Result, r.Reason = ResultFail, why
		return
	case before != "" && after == "":
		r.Drift = []Drift{{Kind: DriftChanged, Category: CategoryAPI, Key: "clusters API", Before: "disabled", After: "available",
			Message: "the clusters API was disabled in the baseline (" + before + ") and is now available"}}
	case before != "" && after != "":
		r.Drift = nil // off then, off now: nothing to compare
	default:
		r.Drift = compare(base, r.run)
	}
	if r.Result == ResultPass || r.Result == ResultFail {
		r.finish()
	}
}

// Target is what was tested.
type Target struct {
	URL      string `json:"url"`
	Version  string `json:"version,omitempty"`
	Revision string `json:"revision,omitempty"`
	User     string `json:"user,omitempty"`
	Project  string `json:"project"`
	Group    string `json:"group,omitempty"`
	Instance bool   `json:"instance,omitempty"`
}

// Scopes says which clusters were checked: "project demo-group/demo, group platform, instance".
// A report without group or instance clusters (every report before they existed) names its project.
func (t Target) Scopes() string {
	var parts []string
	if t.Project != "" || (t.Group == "" && !t.Instance) {
		parts = append(parts, "project "+t.Project)
	}
	if t.Group != "" {
		parts = append(parts, "group "+t.Group)
	}
	if t.Instance {
		parts = append(parts, "instance")
	}
	return strings.Join(parts, ", ")
}

// StepResult is one step (or one item of a foreach step).
type StepResult struct {
	Scenario   string  `json:"scenario"`
	Step       string  `json:"step"`
	Request    string  `json:"request,omitempty"` // the first request, redacted
	Status     int     `json:"status,omitempty"`  // the HTTP status of the first response
	Requests   int     `json:"requests"`
	Outcome    Outcome `json:"outcome"`
	Detail     string  `json:"detail,omitempty"`
	Errors     int     `json:"errors"`
	Notes      int     `json:"notes"`
	DurationMS int64   `json:"duration_ms"`
}

// Outcome is how a step ended.
type Outcome string

// Step outcomes.
const (
	OutcomePass    Outcome = "pass"    // no error finding
	OutcomeFail    Outcome = "fail"    // error findings
	OutcomeSkipped Outcome = "skipped" // not run, or stopped the run (see Detail)
)

// Cleanup is one delete of something the run created.
type Cleanup struct {
	Request string `json:"request"`
	Status  int    `json:"status,omitempty"`
	OK      bool   `json:"ok"`
	Detail  string `json:"detail,omitempty"`
}

// Errors returns the findings that fail the run.
func (r *Report) Errors() []Finding { return r.bySeverity(SeverityError) }

// Notes returns the findings that do not fail the run.
func (r *Report) Notes() []Finding { return r.bySeverity(SeverityNote) }

func (r *Report) bySeverity(s Severity) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}

// ExitCode is 0 when conformant or skipped, 1 with findings or failing drift, 2 when aborted
// (a usage error, an unreachable target, or an interrupted run).
func (r *Report) ExitCode() int {
	switch r.Result {
	case ResultAborted, ResultInterrupted:
		return 2
	case ResultFail:
		return 1
	}
	return 0
}

// finish sorts findings (errors first, in run order) and sets the result.
func (r *Report) finish() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		return r.Findings[i].Severity == SeverityError && r.Findings[j].Severity != SeverityError
	})
	if r.Result != "" && r.Result != ResultPass && r.Result != ResultFail {
		return
	}
	r.Result = ResultPass
	if len(r.Errors()) > 0 || failingDrift(r.Drift, r.Strict) {
		r.Result = ResultFail
	}
	for _, c := range r.Cleanup {
		if !c.OK {
			r.Result = ResultFail
		}
	}
}
