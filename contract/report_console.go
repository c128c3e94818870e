package contract

import (
	"fmt"
	"io"
	"strings"
)

// WriteConsole renders a report for a terminal: the verdict, the findings with their spec
// locations and curl commands, notes summarised, drift and cleanup.
func WriteConsole(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	p := ew.printf
	if r.isDiff() {
		p("glcontract diff %s: run %s (GitLab %s) → run %s (GitLab %s) on %s\n", r.Result, r.Baseline.RunID, orDash(r.Baseline.Version),
			r.RunID, orDash(r.Target.Version), r.Target.URL)
		if r.Reason != "" {
			p("%s: %s\n", strings.ToUpper(string(r.Result)), r.Reason)
		}
		writeDrift(p, r)
		p("\nexit %d\n", r.ExitCode())
		return ew.err
	}
	p("glcontract %s against %s", r.Result, r.Target.URL)
	if r.Target.Version != "" {
		p(" (GitLab %s", r.Target.Version)
		if r.Target.Revision != "" {
			p(" %s", r.Target.Revision)
		}
		p(")")
	}
	p("\n")
	p("run %s, %s, user %s, %s, %d ms\n", r.RunID, r.Target.Scopes(), orDash(r.Target.User), mode(r), r.DurationMS)
	if r.Reason != "" {
		p("%s: %s\n", strings.ToUpper(string(r.Result)), r.Reason)
	}
	passed, failed, skipped := r.stepCounts()
	p("steps: %d passed, %d failed, %d skipped; %d requests\n", passed, failed, skipped, r.requestCount())

	errs, notes := r.Errors(), r.Notes()
	if len(errs) > 0 {
		p("\nFINDINGS (%d)\n", len(errs))
		lastCurl := ""
		for i, f := range errs {
			p("%3d. %s\n", i+1, f.String())
			if f.SpecLocation != "" {
				p("     spec: %s\n", f.SpecLocation)
			}
			switch {
			case f.Curl == "":
			case f.Curl == lastCurl:
				p("     repro: as above\n")
			default:
				p("     repro: %s\n", f.Curl)
			}
			lastCurl = f.Curl
		}
		if help := reproHelp(errs); len(help) > 0 {
			p("     repro lines read their secrets from the shell:\n")
			for _, line := range help {
				p("       %s\n", line)
			}
		}
	}
	if len(notes) > 0 {
		p("\nNOTES (%d; conformant, shown because the spec does not declare them; --strict makes them findings)\n", len(notes))
		for _, line := range summarizeNotes(notes) {
			p("  - %s\n", line)
		}
	}
	if r.Baseline != nil {
		p("\nDRIFT against %s (run %s, GitLab %s)\n", orDash(r.Baseline.File), r.Baseline.RunID, orDash(r.Baseline.Version))
		writeDrift(p, r)
	}
	if len(r.Cleanup) > 0 {
		p("\nCLEANUP\n")
		for _, c := range r.Cleanup {
			status := "ok"
			if !c.OK {
				status = "FAILED: " + c.Detail
			}
			p("  - %s → %d %s\n", c.Request, c.Status, status)
		}
	}
	p("\nexit %d\n", r.ExitCode())
	return ew.err
}

func mode(r *Report) string {
	var m []string
	if r.Write {
		m = append(m, "write")
	} else {
		m = append(m, "read-only")
	}
	if r.Strict {
		m = append(m, "strict")
	}
	return strings.Join(m, ", ")
}

func (r *Report) stepCounts() (passed, failed, skipped int) {
	for _, s := range r.Steps {
		switch s.Outcome {
		case OutcomePass:
			passed++
		case OutcomeFail:
			failed++
		default:
			skipped++
		}
	}
	return
}

func (r *Report) requestCount() int {
	n := len(r.Cleanup)
	for _, s := range r.Steps {
		n += s.Requests
	}
	return n
}

// summarizeNotes groups notes by rule and field: "undeclared-field $.foo (3 responses: GET ...)".
func summarizeNotes(notes []Finding) []string {
	type group struct {
		first Finding
		n     int
	}
	var order []string
	groups := map[string]*group{}
	for _, f := range notes {
		k := string(f.Rule) + " " + f.Operation + " " + genericPath(f.Field)
		if g, ok := groups[k]; ok {
			g.n++
			continue
		}
		groups[k] = &group{first: f, n: 1}
		order = append(order, k)
	}
	var out []string
	for _, k := range order {
		g := groups[k]
		s := fmt.Sprintf("%s %s %s", g.first.Rule, genericPath(g.first.Field), "in "+g.first.Operation)
		if g.n > 1 {
			s += fmt.Sprintf(" (%d responses)", g.n)
		}
		if g.first.Actual != "" {
			s += ", e.g. " + truncate(g.first.Actual, 60)
		}
		out = append(out, s)
	}
	return out
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// isDiff tells a report made by "glcontract diff" (drift only) from a run's.
func (r *Report) isDiff() bool { return r.diff }

func writeDrift(p func(string, ...any), r *Report) {
	if r.Result == ResultAborted && len(r.Drift) == 0 {
		p("not compared\n")
		return
	}
	if len(r.Drift) == 0 {
		p("no behavioural drift\n")
		return
	}
	p("%s\n", driftSummary(r.Drift))
	for _, d := range r.Drift {
		p("  - %s\n", d.String())
	}
}
