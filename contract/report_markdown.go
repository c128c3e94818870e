package contract

import (
	"fmt"
	"io"
	"strings"
)

// markdownMaxFindings keeps the report to one page; the JSON report has them all.
const markdownMaxFindings = 15

// WriteMarkdown renders a report as one page a GitLab admin can paste into an upgrade ticket.
func WriteMarkdown(w io.Writer, r *Report) error {
	m := &mdWriter{}
	if r.isDiff() {
		m.diffSummary(r)
		m.drift(r)
		_, err := io.WriteString(w, r.redactor().String(m.b.String()))
		return err
	}
	m.summary(r)
	m.findings(r)
	m.drift(r)
	m.notes(r)
	m.cleanup(r)
	m.repro(r)
	_, err := io.WriteString(w, r.redactor().String(m.b.String()))
	return err
}

// mdWriter writes the Markdown report, one section per method.
type mdWriter struct{ b strings.Builder }

func (m *mdWriter) p(format string, args ...any) { fmt.Fprintf(&m.b, format, args...) }

// summary is the title and the table of the run: target, run, counts, baseline, reason.
func (m *mdWriter) summary(r *Report) {
	m.p("## GitLab clusters API contract: %s\n\n", strings.ToUpper(string(r.Result)))
	target := r.Target.URL
	if r.Target.Version != "" {
		target += " — GitLab " + r.Target.Version
		if r.Target.Revision != "" {
			target += " (" + r.Target.Revision + ")"
		}
	}
	passed, failed, skipped := r.stepCounts()
	m.p("| | |\n|---|---|\n")
	m.p("| Target | %s |\n", cell(target))
	if r.Target.Project != "" || (r.Target.Group == "" && !r.Target.Instance) {
		m.p("| Project | %s |\n", cell(r.Target.Project))
	}
	if r.Target.Group != "" {
		m.p("| Group | %s |\n", cell(r.Target.Group))
	}
	if r.Target.Instance {
		m.p("| Instance | its clusters (`/admin/clusters`) |\n")
	}
	if r.Target.User != "" {
		m.p("| User | %s |\n", cell(r.Target.User))
	}
	m.p("| Run | `%s`, %s, %s, %.1f s |\n", r.RunID, mode(r), r.StartedAt.Format("2006-01-02 15:04 UTC"), float64(r.DurationMS)/1000)
	m.p("| Steps | %d passed, %d failed, %d skipped (%d requests) |\n", passed, failed, skipped, r.requestCount())
	m.p("| Findings | %s, %s |\n", plural(len(r.Errors()), "error"), plural(len(r.Notes()), "note"))
	if r.Baseline != nil {
		m.p("| Compared with | run `%s`%s, saved %s: %s |\n", r.Baseline.RunID, versionSuffix(r.Baseline.Version), r.Baseline.SavedAt, driftSummary(r.Drift))
	}
	if r.Reason != "" {
		m.p("| %s | %s |\n", capitalize(string(r.Result)), cell(r.Reason))
	}
	m.p("\n")
}

// diffSummary is the title and table of "glcontract diff": the two saved runs and the drift,
// nothing of a run's own steps, findings or cleanup.
func (m *mdWriter) diffSummary(r *Report) {
	m.p("## GitLab clusters API drift: %s\n\n", strings.ToUpper(string(r.Result)))
	m.p("| | |\n|---|---|\n")
	before := fmt.Sprintf("run `%s`%s, saved %s", r.Baseline.RunID, versionSuffix(r.Baseline.Version), r.Baseline.SavedAt)
	if r.Baseline.File != "" {
		before += " (" + code(r.Baseline.File) + ")"
	}
	m.p("| Before | %s |\n", cell(before))
	m.p("| After | run `%s`%s, saved %s |\n", r.RunID, versionSuffix(r.Target.Version), r.StartedAt.Format("2006-01-02 15:04 UTC"))
	m.p("| Target | %s |\n", cell(r.Target.URL))
	m.p("| Clusters | %s |\n", cell(r.Target.Scopes()))
	if r.Result != ResultAborted {
		m.p("| Drift | %s |\n", driftSummary(r.Drift))
	}
	if r.Reason != "" {
		m.p("| %s | %s |\n", capitalize(string(r.Result)), cell(r.Reason))
	}
	m.p("\n")
}

// findings is the table of errors, at most markdownMaxFindings of them.
func (m *mdWriter) findings(r *Report) {
	errs := r.Errors()
	if len(errs) == 0 {
		return
	}
	m.p("### Findings\n\n| # | Step | Request | Field | Problem | Expected | Actual | Spec |\n|---|---|---|---|---|---|---|---|\n")
	for i, f := range errs {
		if i == markdownMaxFindings {
			m.p("\n…and %d more in the JSON report.\n", len(errs)-markdownMaxFindings)
			break
		}
		m.p("| %d | %s | `%s` | %s | %s | %s | %s | %s |\n", i+1, cell(f.Scenario+"/"+f.Step), cell(f.Request), code(f.Field),
			cell(f.Message), cell(truncate(f.Expected, 60)), cell(truncate(f.Actual, 60)), cell(f.SpecLocation))
	}
	m.p("\n")
}

// drift is what changed since the baseline, by kind, or that nothing did.
func (m *mdWriter) drift(r *Report) {
	if r.Baseline == nil || (r.Result == ResultAborted && len(r.Drift) == 0) {
		return
	}
	if len(r.Drift) == 0 {
		m.p("No behavioural drift since run `%s`%s.\n\n", r.Baseline.RunID, versionSuffix(r.Baseline.Version))
		return
	}
	m.p("### What changed since run `%s`%s\n\n", r.Baseline.RunID, versionSuffix(r.Baseline.Version))
	for _, kind := range []struct {
		kind  DriftKind
		title string
	}{
		{DriftBreaks, "Breaks the spec"},
		{DriftChanged, "Changed, still conforms"},
		{DriftUndocumented, "Undocumented fields and headers"},
	} {
		var items []Drift
		for _, d := range r.Drift {
			if d.Kind == kind.kind {
				items = append(items, d)
			}
		}
		if len(items) > 0 {
			m.driftKind(kind.title, items)
		}
	}
}

func (m *mdWriter) driftKind(title string, items []Drift) {
	m.p("**%s (%d)**\n\n", title, len(items))
	for i, d := range items {
		if i == markdownMaxFindings {
			m.p("- …and %d more\n", len(items)-markdownMaxFindings)
			break
		}
		line := fmt.Sprintf("- %s — `%s`", d.Category, d.Key)
		if d.Field != "" {
			line += " " + code(d.Field)
		}
		line += ": " + mdEscape(d.Message)
		if d.Before != "" || d.After != "" {
			line += fmt.Sprintf(" (%s → %s)", code(truncate(orDash(d.Before), 60)), code(truncate(orDash(d.After), 60)))
		}
		m.p("%s\n", line)
	}
	m.p("\n")
}

// notes are the conformant findings, folded away.
func (m *mdWriter) notes(r *Report) {
	notes := r.Notes()
	if len(notes) == 0 {
		return
	}
	m.p("<details><summary>Notes (%d): conformant, but not declared in the spec</summary>\n\n", len(notes))
	for _, line := range summarizeNotes(notes) {
		m.p("- %s\n", mdEscape(line))
	}
	m.p("\n</details>\n\n")
}

// cleanup says whether what the run created is gone, and how to remove the rest.
func (m *mdWriter) cleanup(r *Report) {
	if len(r.Cleanup) == 0 {
		if r.Write {
			m.p("Cleanup: everything the run created was deleted by its own steps.\n\n")
		}
		return
	}
	ok := 0
	for _, c := range r.Cleanup {
		if c.OK {
			ok++
		}
	}
	m.p("Cleanup: %d of %d objects the run created were deleted at exit.", ok, len(r.Cleanup))
	if ok < len(r.Cleanup) {
		m.p(" Run `glcontract sweep --run-id %s` to remove the rest.", r.RunID)
	}
	m.p("\n\n")
}

// repro is how to reproduce the errors: the help lines and up to 5 distinct curl commands.
func (m *mdWriter) repro(r *Report) {
	errs := r.Errors()
	if len(errs) == 0 {
		return
	}
	m.p("<details><summary>Reproduce</summary>\n\n```sh\n")
	for _, line := range reproHelp(errs) {
		m.p("%s\n", line)
	}
	seen := map[string]bool{}
	for _, f := range errs {
		if f.Curl == "" || seen[f.Curl] || len(seen) == 5 {
			continue
		}
		seen[f.Curl] = true
		m.p("%s\n", f.Curl)
	}
	m.p("```\n\n</details>\n")
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " (GitLab " + v + ")"
}

func driftSummary(d []Drift) string {
	if len(d) == 0 {
		return "no drift"
	}
	counts := map[DriftKind]int{}
	for _, x := range d {
		counts[x.Kind]++
	}
	return fmt.Sprintf("%d breaking, %d changed, %d undocumented", counts[DriftBreaks], counts[DriftChanged], counts[DriftUndocumented])
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", `\|`)
	return s
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(cell(s), "`", "'") + "`"
}

func mdEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "\n", " ").Replace(s)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
