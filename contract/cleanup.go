package contract

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// registerCleanup remembers how to undo a step that created something (a 2xx response whose
// cleanup request can be built from what it returned).
func (r *runner) registerCleanup(st *Step, ex *exchange) {
	if st.Cleanup == nil || ex.Err != nil || ex.Status/100 != 2 {
		return
	}
	if missing := r.vars.missingVars(st.Cleanup.Path, st.Cleanup.Query); len(missing) > 0 {
		return
	}
	e := &cleanupEntry{method: strings.ToUpper(st.Cleanup.Method), apiPath: r.apiPath(*st.Cleanup, nil), label: st.Name}
	for _, c := range r.cleanups {
		if !c.done && c.method == e.method && c.apiPath == e.apiPath {
			return
		}
	}
	r.cleanups = append(r.cleanups, e)
}

// releaseCleanup marks a cleanup done when a step made the same request and it succeeded
// (or the thing is already gone).
func (r *runner) releaseCleanup(ex *exchange) {
	if ex.Err != nil || (ex.Status/100 != 2 && ex.Status != http.StatusNotFound) {
		return
	}
	for _, c := range r.cleanups {
		if !c.done && c.method == ex.Method && c.apiPath == ex.APIPath {
			c.done = true
		}
	}
}

// cleanup deletes what the run created and has not deleted yet, newest first. It runs on a
// context of its own, so that it also runs after Ctrl-C.
func (r *runner) cleanup(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.CleanupTimeout)
	defer cancel()
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		c := r.cleanups[i]
		if c.done {
			continue
		}
		sc := &Scenario{Name: "cleanup"}
		st := &Step{Name: "delete what " + c.label + " created", Request: Request{Method: c.method, Path: c.apiPath}}
		ex := r.send(ctx, sc, st, st.Name, c.apiPath)
		entry := Cleanup{Request: r.redact.String(ex.requestLine()), Status: ex.Status}
		switch {
		case ex.Err != nil:
			entry.Detail = ex.Err.Error()
		case ex.Status/100 == 2 || ex.Status == http.StatusNotFound:
			entry.OK, c.done = true, true
		default:
			entry.Detail = fmt.Sprintf("status %d: %s", ex.Status, truncate(r.redact.body(ex.Body), 200))
		}
		if !entry.OK {
			entry.Detail += fmt.Sprintf("; it may remain: run `glcontract sweep --run-id %s`", r.cfg.RunID)
			r.report.Findings = append(r.report.Findings, Finding{Severity: SeverityError, Rule: RuleCleanup, Scenario: "cleanup", Step: st.Name,
				Request: entry.Request, Message: "could not delete what the run created: " + entry.Detail, Curl: r.chk.repro.curl(ex)})
		}
		r.report.Cleanup = append(r.report.Cleanup, entry)
		outcome := "PASS"
		if !entry.OK {
			outcome = "FAIL"
		}
		r.progress(outcome, "cleanup", st.Name, fmt.Sprintf("%s → %d", entry.Request, entry.Status))
	}
	if r.wrote {
		r.sweepOwn(ctx)
	}
}

// sweepOwn deletes clusters that carry this run's id in their name and environment scope but
// were not cleaned up: a create whose response was lost (a timeout, a 5xx after the commit).
// They are the run's own by construction; nothing else is touched.
func (r *runner) sweepOwn(ctx context.Context) {
	cfg := SweepConfig{URL: r.t.root, Token: r.cfg.Token, Project: r.report.Target.Project, RunID: r.cfg.RunID}
	// a group's or the instance's list only where the run wrote (it may not even exist in
	// this version: instance clusters came in 13.2)
	if r.wroteTo[KindGroup] || r.wroteTo[""] {
		cfg.Group = r.report.Target.Group
	}
	cfg.Instance = r.cfg.Instance && (r.wroteTo[KindInstance] || r.wroteTo[""])
	scopes, err := cfg.scopes()
	var found []SweptCluster
	if err == nil {
		found, err = sweep(ctx, r.t, cfg, scopes) // the run's target: its client, its progress
	}
	if err != nil {
		r.report.Findings = append(r.report.Findings, Finding{Severity: SeverityError, Rule: RuleCleanup, Scenario: "cleanup", Step: "look for this run's leftovers",
			Message: r.redact.String("could not list the clusters to check for leftovers: " + err.Error() +
				fmt.Sprintf("; run `glcontract sweep --run-id %s`", r.cfg.RunID))})
		return
	}
	for _, c := range found {
		entry := Cleanup{Request: "DELETE /api/v4" + c.apiPath,
			OK: c.Deleted, Detail: fmt.Sprintf("%q carries this run's id but its create response was never seen", c.Name)}
		if c.Deleted {
			entry.Status = http.StatusNoContent
		} else {
			entry.Detail += "; not deleted: " + c.Detail
			r.report.Findings = append(r.report.Findings, Finding{Severity: SeverityError, Rule: RuleCleanup, Scenario: "cleanup", Step: "delete this run's leftovers",
				Request: entry.Request, Message: "could not delete what the run created: " + entry.Detail})
		}
		r.report.Cleanup = append(r.report.Cleanup, entry)
		r.progress(map[bool]string{true: "PASS", false: "FAIL"}[c.Deleted], "cleanup", "delete leftover "+c.Name, entry.Request)
	}
}
