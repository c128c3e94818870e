package seed

import (
	"fmt"
	"strings"
	"time"

	"github.com/glclusters/clustersapi/mockserver/internal/role"
)

// Check reports the first inconsistency: duplicate ids, dangling references, bad values, two
// clusters of one project, group or the instance with one environment scope. It checks the
// tables in the order of the file, and does not change the seed. Call WithDefaults first.
func (s *Seed) Check() error {
	users, err := s.checkUsers()
	if err != nil {
		return err
	}
	if err := s.checkTokens(users); err != nil {
		return err
	}
	namespaces, groups, err := s.checkNamespaces(users)
	if err != nil {
		return err
	}
	projects, err := s.checkProjects(users, namespaces)
	if err != nil {
		return err
	}
	if err := s.checkVisibility(); err != nil {
		return err
	}
	maxID, err := s.checkClusters(users, projects, groups)
	if err != nil {
		return err
	}
	if s.NextClusterID <= maxID {
		return &Error{"next_cluster_id", fmt.Sprintf("must be above the highest cluster id %d", maxID)}
	}
	return nil
}

// ids holds the ids of one table seen so far.
type ids map[int]bool

// add refuses an id that is not positive or that the table already has.
func (seen ids) add(where string, id int) error {
	if id <= 0 || seen[id] {
		return &Error{where + ".id", "must be a positive, unique id"}
	}
	seen[id] = true
	return nil
}

// checkRFC3339 refuses a timestamp that is not RFC 3339.
func checkRFC3339(where func() string, field, v string) error {
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return &Error{where() + field, "must be RFC 3339"}
	}
	return nil
}

func (s *Seed) checkUsers() (ids, error) {
	users := ids{}
	for i, u := range s.Users {
		where := fmt.Sprintf("users[%d]", i)
		if err := users.add(where, u.ID); err != nil {
			return nil, err
		}
		if strings.TrimSpace(u.Username) == "" {
			return nil, &Error{where + ".username", "is missing"}
		}
	}
	return users, nil
}

func (s *Seed) checkTokens(users ids) error {
	tokens := map[string]bool{}
	for i, t := range s.Tokens {
		where := fmt.Sprintf("tokens[%d]", i)
		if t.Token == "" || tokens[t.Token] {
			return &Error{where + ".token", "must be non-empty and unique"}
		}
		if !users[t.UserID] {
			return &Error{where + ".user_id", fmt.Sprintf("no user %d", t.UserID)}
		}
		for _, sc := range t.Scopes {
			if sc != "api" && sc != "read_api" && sc != "sudo" {
				return &Error{where + ".scopes", fmt.Sprintf("unknown scope %q (api, read_api, sudo)", sc)}
			}
		}
		tokens[t.Token] = true
	}
	return nil
}

// checkNamespaces checks the namespaces and returns their ids and the groups' ids.
func (s *Seed) checkNamespaces(users ids) (namespaces, groups ids, err error) {
	namespaces, groups = ids{}, ids{}
	for i, n := range s.Namespaces {
		where := fmt.Sprintf("namespaces[%d]", i)
		if err := namespaces.add(where, n.ID); err != nil {
			return nil, nil, err
		}
		if n.Path == "" || strings.Contains(n.Path, "/") {
			return nil, nil, &Error{where + ".path", "must be one non-empty path segment"}
		}
		switch n.Kind {
		case "", "group":
			groups[n.ID] = true
		case "user":
			if n.Visibility != "" || len(n.Members) > 0 || n.ParentID != nil {
				return nil, nil, &Error{where, "a user namespace has no visibility, members or parent"}
			}
		default:
			return nil, nil, &Error{where + ".kind", "must be group or user"}
		}
		switch n.Visibility {
		case "", "private", "internal", "public":
		default:
			return nil, nil, &Error{where + ".visibility", "must be private, internal or public"}
		}
		if err := checkMembers(where, n.Members, users); err != nil {
			return nil, nil, err
		}
	}
	return namespaces, groups, s.checkParents(groups)
}

// checkParents refuses a parent that is not a group, and a group that is its own ancestor.
func (s *Seed) checkParents(groups ids) error {
	parent := map[int]int{}
	for _, n := range s.Namespaces {
		if n.ParentID != nil {
			parent[n.ID] = *n.ParentID
		}
	}
	paths := map[string]bool{}
	for i, n := range s.Namespaces {
		where := fmt.Sprintf("namespaces[%d].parent_id", i)
		if n.ParentID != nil && !groups[*n.ParentID] {
			return &Error{where, fmt.Sprintf("no group %d", *n.ParentID)}
		}
		full := strings.ToLower(n.Path)
		for id, steps := n.ID, 0; parent[id] != 0; id, steps = parent[id], steps+1 {
			if steps > len(s.Namespaces) {
				return &Error{where, "makes the group its own ancestor"}
			}
			full = fmt.Sprint(parent[id]) + "/" + full
		}
		if paths[full] {
			return &Error{fmt.Sprintf("namespaces[%d].path", i), "duplicates another namespace's path"}
		}
		paths[full] = true
	}
	return nil
}

func (s *Seed) checkProjects(users, namespaces ids) (ids, error) {
	projects := ids{}
	paths := map[string]bool{}
	for i, p := range s.Projects {
		where := fmt.Sprintf("projects[%d]", i)
		if err := projects.add(where, p.ID); err != nil {
			return nil, err
		}
		if p.Path == "" || strings.Contains(p.Path, "/") {
			return nil, &Error{where + ".path", "must be one non-empty path segment"}
		}
		if !namespaces[p.NamespaceID] {
			return nil, &Error{where + ".namespace_id", fmt.Sprintf("no namespace %d", p.NamespaceID)}
		}
		key := fmt.Sprintf("%d/%s", p.NamespaceID, strings.ToLower(p.Path))
		if paths[key] {
			return nil, &Error{where + ".path", "duplicates another project's path"}
		}
		paths[key] = true
		switch p.Visibility {
		case "private", "internal", "public":
		default:
			return nil, &Error{where + ".visibility", "must be private, internal or public"}
		}
		if p.CreatedAt != "" {
			if err := checkRFC3339(func() string { return where }, ".created_at", p.CreatedAt); err != nil {
				return nil, err
			}
		}
		if err := checkMembers(where, p.Members, users); err != nil {
			return nil, err
		}
	}
	return projects, nil
}

func checkMembers(where string, members []Member, users ids) error {
	for j, m := range members {
		if !users[m.UserID] {
			return &Error{fmt.Sprintf("%s.members[%d].user_id", where, j), fmt.Sprintf("no user %d", m.UserID)}
		}
		if _, ok := role.ByName(m.Role); !ok {
			return &Error{fmt.Sprintf("%s.members[%d].role", where, j), "must be guest, reporter, developer, maintainer or owner"}
		}
	}
	return nil
}

// checkClusters checks the clusters and returns the highest cluster id. It builds no string
// for a cluster that is fine: a seed may hold a million.
func (s *Seed) checkClusters(users, projects, groups ids) (maxID int, err error) {
	clusters := make(map[int]struct{}, len(s.Clusters))
	type scopeOf struct {
		clusterType      string
		project, group   int
		environmentScope string
	}
	scopes := make(map[scopeOf]struct{}, len(s.Clusters))
	for i := range s.Clusters {
		c := &s.Clusters[i]
		where := func() string { return fmt.Sprintf("clusters[%d]", i) }
		if _, dup := clusters[c.ID]; dup || c.ID <= 0 {
			return 0, &Error{where() + ".id", "must be a positive, unique id"}
		}
		clusters[c.ID] = struct{}{}
		if err := checkCluster(where, c, users, projects, groups); err != nil {
			return 0, err
		}
		scope := scopeOf{clusterType(c), c.ProjectID, c.GroupID, c.EnvironmentScope}
		if _, dup := scopes[scope]; dup {
			return 0, &Error{where() + ".environment_scope", "duplicates another cluster's scope in its project, group or instance"}
		}
		scopes[scope] = struct{}{}
		maxID = max(maxID, c.ID)
	}
	return maxID, nil
}

// clusterType is c's type with its default applied, as the mock stores it: a cluster_type
// left out is project_type. Two clusters of one owner are compared by it, not by what the
// seed says: one project_type and one without a type in the same project are one project's.
func clusterType(c *Cluster) string {
	if c.ClusterType == "" {
		return "project_type"
	}
	return c.ClusterType
}

// checkCluster checks one cluster's references and values.
func checkCluster(where func() string, c *Cluster, users, projects, groups ids) error {
	switch c.ClusterType {
	case "", "project_type":
		if !projects[c.ProjectID] {
			return &Error{where() + ".project_id", fmt.Sprintf("no project %d", c.ProjectID)}
		}
		if c.GroupID != 0 {
			return &Error{where() + ".group_id", "only for a group_type cluster"}
		}
	case "group_type":
		if !groups[c.GroupID] {
			return &Error{where() + ".group_id", fmt.Sprintf("no group %d", c.GroupID)}
		}
		if c.ProjectID != 0 {
			return &Error{where() + ".project_id", "only for a project_type cluster"}
		}
	case "instance_type":
		if c.ProjectID != 0 || c.GroupID != 0 {
			return &Error{where(), "an instance_type cluster has no project_id or group_id"}
		}
	default:
		return &Error{where() + ".cluster_type", "must be project_type, group_type or instance_type"}
	}
	if !users[c.UserID] {
		return &Error{where() + ".user_id", fmt.Sprintf("no user %d", c.UserID)}
	}
	if c.ManagementProjectID != nil && !projects[*c.ManagementProjectID] {
		return &Error{where() + ".management_project_id", fmt.Sprintf("no project %d", *c.ManagementProjectID)}
	}
	if err := checkRFC3339(where, ".created_at", c.CreatedAt); err != nil {
		return err
	}
	if c.UpdatedAt != "" {
		if err := checkRFC3339(where, ".updated_at", c.UpdatedAt); err != nil {
			return err
		}
	}
	switch c.ProviderType {
	case "", "user", "gcp", "aws":
	default:
		return &Error{where() + ".provider_type", "must be user, gcp or aws"}
	}
	switch c.Platform.AuthorizationType {
	case "", "rbac", "abac", "unknown_authorization":
	default:
		return &Error{where() + ".platform_kubernetes.authorization_type", "must be rbac, abac or unknown_authorization"}
	}
	return nil
}

// visibilityRank orders visibilities: a group's default is private.
var visibilityRank = map[string]int{"": 0, "private": 0, "internal": 1, "public": 2}

// checkVisibility refuses a subgroup more visible than its parent and a project more visible
// than its group, which GitLab refuses to save (the visibility_level validations of Group and
// Project). A project in a user namespace may have any visibility.
func (s *Seed) checkVisibility() error {
	groups := map[int]Namespace{}
	for _, n := range s.Namespaces {
		if n.Kind == "" || n.Kind == "group" {
			groups[n.ID] = n
		}
	}
	name := func(v string) string { return orPrivate(v) }
	for i, n := range s.Namespaces {
		if n.ParentID == nil {
			continue
		}
		if p, ok := groups[*n.ParentID]; ok && visibilityRank[n.Visibility] > visibilityRank[p.Visibility] {
			return &Error{fmt.Sprintf("namespaces[%d].visibility", i), fmt.Sprintf(
				"%s is more visible than its parent group %d (%s): GitLab does not allow it", name(n.Visibility), p.ID, name(p.Visibility))}
		}
	}
	for i, p := range s.Projects {
		if g, ok := groups[p.NamespaceID]; ok && visibilityRank[p.Visibility] > visibilityRank[g.Visibility] {
			return &Error{fmt.Sprintf("projects[%d].visibility", i), fmt.Sprintf(
				"%s is more visible than its group %d (%s): GitLab does not allow it", p.Visibility, g.ID, name(g.Visibility))}
		}
	}
	return nil
}

func orPrivate(v string) string {
	if v == "" {
		return "private"
	}
	return v
}
