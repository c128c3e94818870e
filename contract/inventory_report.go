package contract

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteInventoryJSON writes the inventory as indented JSON.
func WriteInventoryJSON(w io.Writer, inv *Inventory) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(inv)
}

// yesNo renders a cluster's enabled or managed: "unknown" when the API could not say.
func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "unknown"
	case *b:
		return "yes"
	}
	return "no"
}

// whereOf is the owner's path, "(instance)" for an instance cluster.
func whereOf(c InventoryCluster) string {
	if c.Kind == KindInstance {
		return "(instance)"
	}
	return c.Where
}

// WriteInventoryConsole writes the inventory for a terminal: a table, then problems, notes and the verdict.
func WriteInventoryConsole(w io.Writer, inv *Inventory) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Certificate-based clusters on %s%s\n\n", inv.Target.URL, versionText(inv.Target.Version))
	if len(inv.Clusters) == 0 {
		b.WriteString("No certificate-based cluster found.\n")
	} else {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tWHERE\tID\tNAME\tENABLED\tMANAGED\tSCOPE\tFLAG OFF\tFOUND BY")
		for _, c := range inv.Clusters {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Kind, whereOf(c), c.ID, c.Name, yesNo(c.Enabled), yesNo(c.Managed),
				orDash(c.EnvironmentScope), flagOffShort(c), c.FoundBy)
		}
		tw.Flush()
		fmt.Fprintf(&b, "\n%d cluster(s): %d enabled, %d disabled, %d state unknown.\n", inv.Summary.Clusters, inv.Summary.Enabled,
			inv.Summary.Disabled, inv.Summary.Unknown)
	}
	if len(inv.Problems) > 0 {
		b.WriteString("\nProblems:\n")
		for _, p := range inv.Problems {
			fmt.Fprintf(&b, "  %s: %s\n", p.Scope, p.Message)
		}
	}
	if len(inv.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range inv.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	fmt.Fprintf(&b, "\nFeature flag off: %s.\nRemoval: %s.\n", inv.Feature.FlagOff, inv.Feature.Removal)
	fmt.Fprintf(&b, "\nResult (exit %d): %s\n", inv.Exit, inv.Verdict)
	_, err := io.WriteString(w, b.String())
	return err
}

// flagOffShort is the FLAG OFF column: what switching the flag off does to the cluster.
func flagOffShort(c InventoryCluster) string {
	switch {
	case c.Enabled == nil:
		return "unknown"
	case *c.Enabled:
		return "cut off"
	}
	return "unused already"
}

func versionText(v string) string {
	if v == "" {
		return ""
	}
	return " (GitLab " + v + ")"
}

// WriteInventoryMarkdown writes the inventory as one page for an upgrade ticket.
func WriteInventoryMarkdown(w io.Writer, inv *Inventory) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## Certificate-based clusters inventory\n\n")
	fmt.Fprintf(&b, "| | |\n|---|---|\n| Target | %s%s |\n| Clusters | %d (%d enabled, %d disabled, %d state unknown) |\n| Result | exit %d: %s |\n\n",
		cell(inv.Target.URL), versionText(inv.Target.Version), inv.Summary.Clusters, inv.Summary.Enabled, inv.Summary.Disabled,
		inv.Summary.Unknown, inv.Exit, cell(inv.Verdict))
	if len(inv.Clusters) > 0 {
		b.WriteString("| kind | where | id | name | enabled | managed | environment scope | flag off | removed | found by |\n")
		b.WriteString("|---|---|---:|---|---|---|---|---|---|---|\n")
		for _, c := range inv.Clusters {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Kind, cell(whereOf(c)), strconv.FormatInt(c.ID, 10),
				cell(c.Name), yesNo(c.Enabled), yesNo(c.Managed), cell(orDash(c.EnvironmentScope)), cell(c.IfFlagOff),
				cell(c.IfRemoved), cell(c.FoundBy))
		}
		b.WriteString("\n")
	}
	if len(inv.Problems) > 0 {
		b.WriteString("### Problems\n\n")
		for _, p := range inv.Problems {
			fmt.Fprintf(&b, "- `%s`: %s\n", p.Scope, p.Message)
		}
		b.WriteString("\n")
	}
	if len(inv.Notes) > 0 {
		b.WriteString("### Notes\n\n")
		for _, n := range inv.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "### What the upgrade does\n\n- Feature flag `%s` off: %s.\n- Removal: %s.\n", inv.Feature.Flag, inv.Feature.FlagOff, inv.Feature.Removal)
	_, err := io.WriteString(w, b.String())
	return err
}
