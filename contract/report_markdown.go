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
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("## GitLab clusters API contract: %s\n\n", strings.ToUpper(r.Result))
	target := r.Target.URL
	if r.Target.Version != "" {
		target += " — GitLab " + r.Target.Version
		if r.Target.Revision != "" {
			target += " (" + r.Target.Revision + ")"
		}
	}
	passed, failed, skipped := r.stepCounts()
	p("| | |\n|---|---|\n")
	p("| Target | %s |\n", cell(target))
	p("| Project | %s |\n", cell(r.Target.Project))
	if r.Target.User != "" {
		p("| User | %s |\n", cell(r.Target.User))
	}
	p("| Run | `%s`, %s, %s, %.1f s |\n", r.RunID, mode(r), r.StartedAt.Format("2006-01-02 15:04 UTC"), float64(r.DurationMS)/1000)
	p("| Steps | %d passed, %d failed, %d skipped (%d requests) |\n", passed, failed, skipped, r.requestCount())
	p("| Findings | %s, %s |\n", plural(len(r.Errors()), "error"), plural(len(r.Notes()), "note"))
	if r.Baseline != nil {
		p("| Compared with | run `%s`%s, saved %s: %s |\n", r.Baseline.RunID, versionSuffix(r.Baseline.Version), r.Baseline.SavedAt, driftSummary(r.Drift))
	}
	if r.Reason != "" {
		p("| %s | %s |\n", capitalize(r.Result), cell(r.Reason))
	}
	p("\n")

	if errs := r.Errors(); len(errs) > 0 {
		p("### Findings\n\n| # | Step | Request | Field | Problem | Expected | Actual | Spec |\n|---|---|---|---|---|---|---|---|\n")
		for i, f := range errs {
			if i == markdownMaxFindings {
				p("\n…and %d more in the JSON report.\n", len(errs)-markdownMaxFindings)
				break
			}
			p("| %d | %s | `%s` | %s | %s | %s | %s | %s |\n", i+1, cell(f.Scenario+"/"+f.Step), cell(f.Request), code(f.Field),
				cell(f.Message), cell(truncate(f.Expected, 60)), cell(truncate(f.Actual, 60)), cell(f.SpecLocation))
		}
		p("\n")
	}
	if r.Baseline != nil && len(r.Drift) > 0 {
		p("### What changed since run `%s`%s\n\n", r.Baseline.RunID, versionSuffix(r.Baseline.Version))
		for _, kind := range []struct{ kind, title string }{
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
			if len(items) == 0 {
				continue
			}
			p("**%s (%d)**\n\n", kind.title, len(items))
			for i, d := range items {
				if i == markdownMaxFindings {
					p("- …and %d more\n", len(items)-markdownMaxFindings)
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
				p("%s\n", line)
			}
			p("\n")
		}
	} else if r.Baseline != nil {
		p("No behavioural drift since run `%s`%s.\n\n", r.Baseline.RunID, versionSuffix(r.Baseline.Version))
	}
	if notes := r.Notes(); len(notes) > 0 {
		p("<details><summary>Notes (%d): conformant, but not declared in the spec</summary>\n\n", len(notes))
		for _, line := range summarizeNotes(notes) {
			p("- %s\n", mdEscape(line))
		}
		p("\n</details>\n\n")
	}
	if len(r.Cleanup) > 0 {
		ok := 0
		for _, c := range r.Cleanup {
			if c.OK {
				ok++
			}
		}
		p("Cleanup: %d of %d objects the run created were deleted at exit.", ok, len(r.Cleanup))
		if ok < len(r.Cleanup) {
			p(" Run `glcontract sweep --run-id %s` to remove the rest.", r.RunID)
		}
		p("\n\n")
	} else if r.Write {
		p("Cleanup: everything the run created was deleted by its own steps.\n\n")
	}
	if errs := r.Errors(); len(errs) > 0 {
		p("<details><summary>Reproduce</summary>\n\n```sh\n")
		for _, line := range reproHelp(errs) {
			p("%s\n", line)
		}
		seen := map[string]bool{}
		for _, f := range errs {
			if f.Curl == "" || seen[f.Curl] || len(seen) == 5 {
				continue
			}
			seen[f.Curl] = true
			p("%s\n", f.Curl)
		}
		p("```\n\n</details>\n")
	}
	_, err := io.WriteString(w, r.redactor().String(b.String()))
	return err
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
	counts := map[string]int{}
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
