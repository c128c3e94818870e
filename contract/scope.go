package contract

import (
	"fmt"
	"strings"
)

// The kinds of clusters, one set for everything: a scenario's or a step's "clusters", what a
// run checks (--project, --group, --instance), an inventoried cluster's kind (GitLab's
// cluster_type without "_type").
const (
	KindProject  = "project"
	KindGroup    = "group"
	KindInstance = "instance"
)

// RunScope is which clusters a run checked: the --project, --group and --instance flags as
// given, and the project and group as the target resolved them (their ids, and the project's
// full path, read from the clusters' answers; empty when no answer named them).
type RunScope struct {
	Project     string `json:"project,omitempty"`
	ProjectID   string `json:"project_id,omitempty"`
	ProjectPath string `json:"project_path,omitempty"`
	Group       string `json:"group,omitempty"`
	GroupID     string `json:"group_id,omitempty"`
	Instance    bool   `json:"instance,omitempty"`
}

// scopeOf is a saved run's scope; a run saved before the scope was recorded has its flags as
// given in its target.
func scopeOf(run *SavedRun) RunScope {
	if run.Scope != nil {
		return *run.Scope
	}
	return RunScope{Project: run.Target.Project, Group: run.Target.Group, Instance: run.Target.Instance}
}

// String names the scope as the flags that give it: "--project demo-group/demo --group platform".
func (s RunScope) String() string {
	var parts []string
	if s.Project != "" {
		parts = append(parts, "--project "+s.Project)
	}
	if s.Group != "" {
		parts = append(parts, "--group "+s.Group)
	}
	if s.Instance {
		parts = append(parts, "--instance")
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, " ")
}

// resolve fills the project's or group's ids from a cluster answer of a scenario of that kind.
func (s *RunScope) resolve(kind string, body any) {
	if list, ok := body.([]any); ok {
		if len(list) == 0 {
			return
		}
		body = list[0]
	}
	c, ok := body.(map[string]any)
	if !ok {
		return
	}
	switch kind {
	case KindProject:
		if p, ok := c["project"].(map[string]any); ok && s.ProjectID == "" {
			if id, ok := p["id"].(float64); ok {
				s.ProjectID = text(id)
			}
			if path, ok := p["path_with_namespace"].(string); ok {
				s.ProjectPath = path
			}
		}
	case KindGroup:
		if g, ok := c["group"].(map[string]any); ok && s.GroupID == "" {
			if id, ok := g["id"].(float64); ok {
				s.GroupID = text(id)
			}
		}
	}
}

// sameThing reports whether two flag values name the same project or group: the same value, or
// the same resolved id or path. known is false when nothing tells (different values, never
// resolved).
func sameThing(givenA, idA, pathA, givenB, idB, pathB string) bool {
	names := func(given, id, path string) []string {
		out := []string{strings.ToLower(given)}
		if id != "" {
			out = append(out, id)
		}
		if path != "" {
			out = append(out, strings.ToLower(path))
		}
		return out
	}
	if idA != "" && idB != "" {
		return idA == idB
	}
	for _, a := range names(givenA, idA, pathA) {
		for _, b := range names(givenB, idB, pathB) {
			if a == b {
				return true
			}
		}
	}
	return false
}

// scopeMismatch says how two runs' scopes differ and which flag to change ("" when they are
// the same): runs of different scopes do not compare, their difference is not drift.
func scopeMismatch(before, after RunScope) string {
	var fix []string
	flag := func(name, b, a string) {
		switch {
		case b == a:
		case b == "":
			fix = append(fix, "leave out "+name+" "+a)
		case a == "":
			fix = append(fix, "add "+name+" "+b)
		default:
			fix = append(fix, name+" "+b+" instead of "+name+" "+a+" (the same one by another name? give it as the baseline did)")
		}
	}
	if before.Project == "" || after.Project == "" || !sameThing(before.Project, before.ProjectID, before.ProjectPath, after.Project, after.ProjectID, after.ProjectPath) {
		flag("--project", before.Project, after.Project)
	}
	if before.Group == "" || after.Group == "" || !sameThing(before.Group, before.GroupID, "", after.Group, after.GroupID, "") {
		flag("--group", before.Group, after.Group)
	}
	switch {
	case before.Instance && !after.Instance:
		fix = append(fix, "add --instance")
	case !before.Instance && after.Instance:
		fix = append(fix, "leave out --instance")
	}
	if len(fix) == 0 {
		return ""
	}
	return fmt.Sprintf("the baseline checked %s, the new run %s: runs of different clusters do not compare (their difference is not drift); %s to match the baseline, or save a new baseline with the new run's flags",
		before, after, strings.Join(fix, ", "))
}
