package contract

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// inventory --seed: a glmock seed (fixtures/seed/README.md) of what the inventory read, so a
// team can rehearse an upgrade against its own clusters. Every cluster is read with GET on its
// own route and written as soon as it is read (the clusters array is streamed; the projects,
// groups and users, far fewer, are held and written after it). GitLab never returns tokens:
// each user gets rehearsal-<username>, each cluster a placeholder Kubernetes token.

// RehearsalTokenPrefix is what a user's token in a written seed starts with: rehearsal-<username>.
const RehearsalTokenPrefix = "rehearsal-"

// ClusterTokenPlaceholder is every cluster's Kubernetes token in a written seed.
const ClusterTokenPlaceholder = "rehearsal-placeholder-kubernetes-token"

// The seed's tables, as the seed format names their fields (mockserver/internal/seed).
type seedUser struct {
	ID       int    `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Admin    bool   `json:"admin,omitempty"`
	State    string `json:"state,omitempty"`
}

type seedToken struct {
	Token  string   `json:"token"`
	UserID int      `json:"user_id"`
	Scopes []string `json:"scopes"`
}

type seedMember struct {
	UserID int    `json:"user_id"`
	Role   string `json:"role"`
}

type seedNamespace struct {
	ID         int          `json:"id"`
	Name       string       `json:"name"`
	Path       string       `json:"path"`
	Kind       string       `json:"kind,omitempty"`
	ParentID   *int         `json:"parent_id,omitempty"`
	Visibility string       `json:"visibility,omitempty"`
	Members    []seedMember `json:"members,omitempty"`
	fullPath   string
	depth      int
}

type seedProject struct {
	ID          int          `json:"id"`
	Name        string       `json:"name"`
	Path        string       `json:"path"`
	NamespaceID int          `json:"namespace_id"`
	Visibility  string       `json:"visibility"`
	Description string       `json:"description,omitempty"`
	CreatedAt   string       `json:"created_at,omitempty"`
	Members     []seedMember `json:"members"`
}

type seedPlatform struct {
	APIURL            string  `json:"api_url"`
	Token             string  `json:"token"`
	CACert            *string `json:"ca_cert,omitempty"`
	Namespace         *string `json:"namespace,omitempty"`
	AuthorizationType string  `json:"authorization_type,omitempty"`
}

type seedProviderGCP struct {
	GCPProjectID string `json:"gcp_project_id"`
	Zone         string `json:"zone"`
	MachineType  string `json:"machine_type"`
	NumNodes     int    `json:"num_nodes"`
	StatusName   string `json:"status_name"`
	Endpoint     string `json:"endpoint"`
}

type seedCluster struct {
	ID                      int              `json:"id"`
	ClusterType             string           `json:"cluster_type,omitempty"`
	ProjectID               int              `json:"project_id,omitempty"`
	GroupID                 int              `json:"group_id,omitempty"`
	Name                    string           `json:"name"`
	Domain                  *string          `json:"domain,omitempty"`
	Enabled                 bool             `json:"enabled"`
	Managed                 bool             `json:"managed"`
	ProviderType            string           `json:"provider_type,omitempty"`
	EnvironmentScope        string           `json:"environment_scope"`
	NamespacePerEnvironment bool             `json:"namespace_per_environment"`
	UserID                  int              `json:"user_id"`
	ManagementProjectID     *int             `json:"management_project_id,omitempty"`
	CreatedAt               string           `json:"created_at"`
	Platform                seedPlatform     `json:"platform_kubernetes"`
	ProviderGCP             *seedProviderGCP `json:"provider_gcp,omitempty"`
}

// What GitLab's entities say, of what the seed needs.
type (
	userJSON struct {
		ID          int    `json:"id"`
		Username    string `json:"username"`
		Name        string `json:"name"`
		State       string `json:"state"`
		IsAdmin     *bool  `json:"is_admin"`
		NamespaceID *int   `json:"namespace_id"`
		AccessLevel int    `json:"access_level"`
	}
	idJSON struct {
		ID int `json:"id"`
	}
	clusterDetailJSON struct {
		ID                      int       `json:"id"`
		Name                    string    `json:"name"`
		CreatedAt               string    `json:"created_at"`
		Domain                  *string   `json:"domain"`
		Enabled                 bool      `json:"enabled"`
		Managed                 bool      `json:"managed"`
		ProviderType            string    `json:"provider_type"`
		PlatformType            string    `json:"platform_type"`
		EnvironmentScope        string    `json:"environment_scope"`
		ClusterType             string    `json:"cluster_type"`
		NamespacePerEnvironment bool      `json:"namespace_per_environment"`
		User                    *userJSON `json:"user"`
		Platform                *struct {
			APIURL            string  `json:"api_url"`
			Namespace         *string `json:"namespace"`
			AuthorizationType string  `json:"authorization_type"`
			CACert            *string `json:"ca_cert"`
		} `json:"platform_kubernetes"`
		ProviderGCP       *seedProviderGCP `json:"provider_gcp"`
		ManagementProject *idJSON          `json:"management_project"`
		Project           *idJSON          `json:"project"`
		Group             *idJSON          `json:"group"`
	}
	namespaceJSON struct {
		ID       int    `json:"id"`
		Name     string `json:"name"`
		Path     string `json:"path"`
		Kind     string `json:"kind"`
		FullPath string `json:"full_path"`
		ParentID *int   `json:"parent_id"`
	}
	projectJSON struct {
		ID                int            `json:"id"`
		Name              string         `json:"name"`
		Path              string         `json:"path"`
		PathWithNamespace string         `json:"path_with_namespace"`
		Description       *string        `json:"description"`
		CreatedAt         string         `json:"created_at"`
		Visibility        string         `json:"visibility"`
		Namespace         *namespaceJSON `json:"namespace"`
		Owner             *userJSON      `json:"owner"` // a project in a user's namespace
	}
	groupJSON struct {
		ID         int    `json:"id"`
		Name       string `json:"name"`
		Path       string `json:"path"`
		FullPath   string `json:"full_path"`
		Visibility string `json:"visibility"`
		ParentID   *int   `json:"parent_id"`
	}
)

// roleOf is the seed's role for a GitLab access level.
var roleOf = map[int]string{10: "guest", 20: "reporter", 30: "developer", 40: "maintainer", 50: "owner"}

// seedWriter streams the seed: the clusters as they are read, the rest at the end.
type seedWriter struct {
	iv         *inventorier
	w          *bufio.Writer
	clusters   int
	maxID      int
	users      map[int]*seedUser
	namespaces map[int]*seedNamespace // groups and user namespaces
	projects   map[int]*seedProject
	noProject  map[int]bool // projects that could not be read
	noGroup    map[int]bool
	notes      []string
	hidden     []string // clusters discovery names but the clusters API does not show (flag off)
}

// unread records what could not be read: a problem of the run, so on the console and in the
// seed's metadata (the run is incomplete).
func (sw *seedWriter) unread(msg string, status int) {
	msg = sw.iv.t.redact.String(msg)
	sw.iv.inv.Problems = append(sw.iv.inv.Problems, InventoryProblem{Scope: "--seed", Status: status, Message: msg})
}

// write writes s without the token: a target may echo it in a name. Only the token: the
// seed keeps what the reports redact, CA certificates (public) included.
func (sw *seedWriter) write(s string) {
	if tok := sw.iv.t.token; tok != "" {
		s = strings.ReplaceAll(s, tok, redacted)
		if b, err := json.Marshal(tok); err == nil {
			s = strings.ReplaceAll(s, string(b[1:len(b)-1]), redacted)
		}
	}
	sw.w.WriteString(s)
}

func (sw *seedWriter) writeJSON(key string, v any) {
	raw, _ := json.MarshalIndent(v, "  ", "  ") // the seed's own types marshal
	sw.write(",\n  " + strconv.Quote(key) + ": " + string(raw))
}

// getJSON GETs path into v when GitLab answers 200, and returns the status.
func (iv *inventorier) getJSON(ctx context.Context, path string, v any) (status int, err error) {
	resp, err := iv.get(ctx, path)
	if err != nil {
		return 0, err
	}
	if resp.Status != http.StatusOK {
		return resp.Status, nil
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return 0, fmt.Errorf("%w: GET %s: %w", ErrNotGitLab, path, err)
	}
	return resp.Status, nil
}

// getAll GETs every page of a list (per_page 100) and hands each item to each; ended is
// false when the list did not end within defaultMaxPages pages (recorded by the caller).
func (iv *inventorier) getAll(ctx context.Context, path string, each func(json.RawMessage)) (status int, ended bool, err error) {
	sep := "?"
	if u, perr := url.Parse(path); perr == nil && u.RawQuery != "" {
		sep = "&"
	}
	for page := 1; page <= defaultMaxPages; page++ {
		resp, err := iv.get(ctx, path+sep+"per_page=100&page="+strconv.Itoa(page))
		if err != nil {
			return 0, false, err
		}
		if resp.Status != http.StatusOK {
			return resp.Status, false, nil
		}
		var items []json.RawMessage
		if err := json.Unmarshal(resp.Body, &items); err != nil {
			return 0, false, fmt.Errorf("%w: GET %s: not a list: %w", ErrNotGitLab, path, err)
		}
		for _, it := range items {
			each(it)
		}
		if resp.Header.Get("X-Next-Page") == "" || len(items) == 0 {
			return http.StatusOK, true, nil
		}
	}
	return http.StatusOK, false, nil
}

// writeSeed reads every cluster the inventory found on its own route, and what holds it, and
// writes the seed to w. Only GET requests.
func (iv *inventorier) writeSeed(ctx context.Context, w io.Writer) error {
	sw := &seedWriter{iv: iv, w: bufio.NewWriterSize(w, 64<<10), users: map[int]*seedUser{},
		namespaces: map[int]*seedNamespace{}, projects: map[int]*seedProject{}, noProject: map[int]bool{}, noGroup: map[int]bool{}}
	var me userJSON
	if status, err := iv.getJSON(ctx, "/user", &me); err != nil {
		return err
	} else if status == http.StatusOK {
		sw.addUser(me)
		if me.IsAdmin != nil && *me.IsAdmin {
			sw.users[me.ID].Admin = true
		} else {
			sw.notes = append(sw.notes, "the token is not an administrator's: the other users' admin status cannot be read "+
				"(none is an administrator in the seed), and only what the token's user can see is in it")
		}
	}
	if iv.cfg.All { // every user, members or not
		status, ended, err := iv.getAll(ctx, "/users?order_by=id&sort=asc", func(raw json.RawMessage) {
			var u userJSON
			if json.Unmarshal(raw, &u) == nil {
				sw.addUser(u)
			}
		})
		if err != nil {
			return err
		}
		if status != http.StatusOK || !ended {
			// not a problem: the users that hold anything (clusters, memberships) are read anyway
			sw.notes = append(sw.notes, fmt.Sprintf("users: GET /users answered %d or did not end within %d pages: "+
				"only the users that created a cluster or are members are in the seed", status, defaultMaxPages))
		}
	}
	sw.write("{\n  \"clusters\": [")
	for _, c := range slices.Clone(iv.inv.Clusters) {
		if err := sw.cluster(ctx, c); err != nil {
			return err
		}
	}
	if n := len(sw.hidden); n > 0 {
		sw.unread(fmt.Sprintf("%d cluster(s) not in the seed: their state could not be read (the clusters API is disabled: "+
			"switch the flag on temporarily to read them); the seed's metadata lists them", n), 0)
	}
	if sw.clusters > 0 {
		sw.write("\n  ]")
	} else {
		sw.write("]")
	}
	for _, id := range iv.allProjects {
		if _, err := sw.project(ctx, id); err != nil {
			return err
		}
	}
	for _, id := range iv.allGroups {
		if _, err := sw.group(ctx, id); err != nil {
			return err
		}
	}
	if err := sw.members(ctx); err != nil {
		return err
	}
	if err := sw.userDetails(ctx); err != nil {
		return err
	}
	sw.finish()
	return sw.w.Flush()
}

// clusterRoute is a cluster's own route.
func clusterRoute(c InventoryCluster) string {
	id := strconv.FormatInt(c.ID, 10)
	switch c.Kind {
	case KindProject:
		return "/projects/" + url.PathEscape(c.Where) + "/clusters/" + id
	case KindGroup:
		return "/groups/" + url.PathEscape(c.Where) + "/clusters/" + id
	}
	return "/admin/clusters/" + id
}

// cluster reads one cluster and writes it, after what it needs (its project or group, its
// management project, its creator).
func (sw *seedWriter) cluster(ctx context.Context, c InventoryCluster) error {
	what := fmt.Sprintf("%s cluster %d (%s)", c.Kind, c.ID, whereOf(c))
	if c.Enabled == nil { // one problem says it for all of them (seedWriter.hidden)
		sw.hidden = append(sw.hidden, sw.iv.t.redact.String(what+": not in the seed: its state could not be read"))
		return nil
	}
	var d clusterDetailJSON
	route := clusterRoute(c)
	status, err := sw.iv.getJSON(ctx, route, &d)
	if err != nil {
		return err
	}
	if status != http.StatusOK || d.User == nil || d.Platform == nil {
		sw.unread(fmt.Sprintf("%s: not in the seed: GET %s answered %d", what, route, status), status)
		return nil
	}
	sc := seedCluster{ID: d.ID, ClusterType: d.ClusterType, Name: d.Name, Domain: d.Domain, Enabled: d.Enabled, Managed: d.Managed,
		ProviderType: d.ProviderType, EnvironmentScope: d.EnvironmentScope, NamespacePerEnvironment: d.NamespacePerEnvironment,
		UserID: d.User.ID, CreatedAt: d.CreatedAt, ProviderGCP: d.ProviderGCP,
		Platform: seedPlatform{APIURL: d.Platform.APIURL, Token: ClusterTokenPlaceholder, CACert: d.Platform.CACert,
			Namespace: d.Platform.Namespace, AuthorizationType: d.Platform.AuthorizationType}}
	switch d.ClusterType {
	case "project_type":
		if d.Project == nil {
			sw.unread(what+": not in the seed: GitLab did not say its project", 0)
			return nil
		}
		if ok, err := sw.project(ctx, d.Project.ID); err != nil || !ok {
			if err == nil {
				sw.unread(fmt.Sprintf("%s: not in the seed: its project %d could not be read", what, d.Project.ID), 0)
			}
			return err
		}
		sc.ProjectID = d.Project.ID
	case "group_type":
		if d.Group == nil {
			sw.unread(what+": not in the seed: GitLab did not say its group", 0)
			return nil
		}
		if ok, err := sw.group(ctx, d.Group.ID); err != nil || !ok {
			if err == nil {
				sw.unread(fmt.Sprintf("%s: not in the seed: its group %d could not be read", what, d.Group.ID), 0)
			}
			return err
		}
		sc.GroupID = d.Group.ID
	}
	if mp := d.ManagementProject; mp != nil {
		ok, err := sw.project(ctx, mp.ID)
		if err != nil {
			return err
		}
		if ok {
			sc.ManagementProjectID = &mp.ID
		} else {
			sw.unread(fmt.Sprintf("%s: its management project %d could not be read: the seed's cluster has none", what, mp.ID), 0)
		}
	}
	sw.addUser(*d.User)
	raw, _ := json.MarshalIndent(sc, "    ", "  ")
	if sw.clusters > 0 {
		sw.write(",")
	}
	sw.write("\n    " + string(raw))
	sw.clusters++
	sw.maxID = max(sw.maxID, sc.ID)
	return nil
}

func (sw *seedWriter) addUser(u userJSON) {
	if u.ID <= 0 || u.Username == "" {
		return
	}
	if _, ok := sw.users[u.ID]; !ok {
		su := &seedUser{ID: u.ID, Username: u.Username, Name: u.Name}
		if u.State != "" && u.State != "active" {
			su.State = u.State
		}
		sw.users[u.ID] = su
	}
}

// project reads a project and its namespace (and the namespace's ancestors) once; ok is
// false when it cannot be read (recorded).
func (sw *seedWriter) project(ctx context.Context, id int) (bool, error) {
	if _, ok := sw.projects[id]; ok {
		return true, nil
	}
	if sw.noProject[id] {
		return false, nil
	}
	var p projectJSON
	status, err := sw.iv.getJSON(ctx, "/projects/"+strconv.Itoa(id), &p)
	if err != nil {
		return false, err
	}
	if status != http.StatusOK || p.Namespace == nil {
		sw.noProject[id] = true
		sw.unread(fmt.Sprintf("project %d: GET /projects/%d answered %d (it does not exist, or the token's user cannot see it)", id, id, status), status)
		return false, nil
	}
	ns := p.Namespace
	if p.Owner != nil {
		sw.addUser(*p.Owner) // GitLab shows the owner of a project in a user's namespace
	}
	if ns.Kind == "user" {
		if _, ok := sw.namespaces[ns.ID]; !ok {
			sw.namespaces[ns.ID] = &seedNamespace{ID: ns.ID, Name: ns.Name, Path: ns.Path, Kind: "user", fullPath: ns.FullPath}
		}
	} else if ok, err := sw.group(ctx, ns.ID); err != nil || !ok {
		if err == nil {
			sw.noProject[id] = true
			sw.unread(fmt.Sprintf("project %d (%s): not in the seed: its group %d could not be read", id, p.PathWithNamespace, ns.ID), 0)
		}
		return false, err
	}
	sp := &seedProject{ID: p.ID, Name: p.Name, Path: p.Path, NamespaceID: ns.ID, Visibility: p.Visibility,
		CreatedAt: p.CreatedAt, Members: []seedMember{}}
	if p.Description != nil {
		sp.Description = *p.Description
	}
	if sp.Visibility == "" {
		sp.Visibility = "private"
		sw.notes = append(sw.notes, fmt.Sprintf("project %d: GitLab did not say its visibility: private in the seed", id))
	}
	sw.projects[id] = sp
	return true, nil
}

// group reads a group and its ancestors once; ok is false when it cannot be read (recorded).
func (sw *seedWriter) group(ctx context.Context, id int) (bool, error) {
	if _, ok := sw.namespaces[id]; ok {
		return true, nil
	}
	if sw.noGroup[id] {
		return false, nil
	}
	var g groupJSON
	status, err := sw.iv.getJSON(ctx, "/groups/"+strconv.Itoa(id)+"?with_projects=false", &g)
	if err != nil {
		return false, err
	}
	if status != http.StatusOK {
		sw.noGroup[id] = true
		sw.unread(fmt.Sprintf("group %d: GET /groups/%d answered %d (it does not exist, or the token's user cannot see it)", id, id, status), status)
		return false, nil
	}
	sn := &seedNamespace{ID: g.ID, Name: g.Name, Path: g.Path, Kind: "group", Visibility: g.Visibility, fullPath: g.FullPath}
	if g.ParentID != nil {
		ok, err := sw.group(ctx, *g.ParentID)
		if err != nil {
			return false, err
		}
		if ok {
			sn.ParentID = g.ParentID
			sn.depth = sw.namespaces[*g.ParentID].depth + 1
		} else {
			sw.unread(fmt.Sprintf("group %d (%s): its parent group %d could not be read: a top-level group in the seed", id, g.FullPath, *g.ParentID), 0)
		}
	}
	sw.namespaces[id] = sn
	return true, nil
}

// members reads the memberships (GET /groups/:id/members/all, /projects/:id/members/all),
// parents first, and keeps a membership only where it gives more than the parent's: the
// effective roles are GitLab's.
func (sw *seedWriter) members(ctx context.Context) error {
	effective := map[int]map[int]int{} // group id → user → level
	var groups []*seedNamespace
	for _, n := range sw.namespaces {
		if n.Kind == "group" {
			groups = append(groups, n)
		}
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].depth != groups[j].depth {
			return groups[i].depth < groups[j].depth
		}
		return groups[i].ID < groups[j].ID
	})
	read := func(path string, inherited map[int]int) (map[int]int, []seedMember, error) {
		levels := map[int]int{}
		var direct []seedMember
		status, ended, err := sw.iv.getAll(ctx, path, func(raw json.RawMessage) {
			var m userJSON
			if json.Unmarshal(raw, &m) != nil {
				return
			}
			role, ok := roleOf[m.AccessLevel]
			if !ok {
				sw.notes = append(sw.notes, fmt.Sprintf("%s: user %d's access level %d has no role in the seed: left out", path, m.ID, m.AccessLevel))
				return
			}
			levels[m.ID] = m.AccessLevel
			sw.addUser(m)
			if m.AccessLevel > inherited[m.ID] {
				direct = append(direct, seedMember{UserID: m.ID, Role: role})
			}
		})
		switch {
		case err != nil:
			return nil, nil, err
		case status != http.StatusOK:
			sw.unread(fmt.Sprintf("members: GET %s answered %d (reading members needs the right to see them): none in the seed", path, status), status)
		case !ended:
			sw.unread(fmt.Sprintf("members: GET %s did not end within %d pages: the members beyond are not in the seed", path, defaultMaxPages), 0)
		}
		return levels, direct, nil
	}
	for _, g := range groups {
		var inherited map[int]int
		if g.ParentID != nil {
			inherited = effective[*g.ParentID]
		}
		levels, direct, err := read("/groups/"+strconv.Itoa(g.ID)+"/members/all", inherited)
		if err != nil {
			return err
		}
		effective[g.ID], g.Members = levels, direct
	}
	for _, id := range sortedIDs(sw.projects) {
		p := sw.projects[id]
		_, direct, err := read("/projects/"+strconv.Itoa(id)+"/members/all", effective[p.NamespaceID])
		if err != nil {
			return err
		}
		if direct != nil {
			p.Members = direct
		}
	}
	return nil
}

// userDetails reads each user (GET /users/:id): an administrator's token sees is_admin and
// the user's namespace, which goes in the seed so the user's namespace id is GitLab's.
func (sw *seedWriter) userDetails(ctx context.Context) error {
	for _, id := range sortedIDs(sw.users) {
		var u userJSON
		status, err := sw.iv.getJSON(ctx, "/users/"+strconv.Itoa(id), &u)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			continue
		}
		if u.IsAdmin != nil {
			sw.users[id].Admin = *u.IsAdmin
		}
		if nid := u.NamespaceID; nid != nil {
			if _, ok := sw.namespaces[*nid]; !ok {
				var n namespaceJSON
				if st, err := sw.iv.getJSON(ctx, "/namespaces/"+strconv.Itoa(*nid), &n); err != nil {
					return err
				} else if st == http.StatusOK && n.Kind == "user" {
					sw.namespaces[*nid] = &seedNamespace{ID: n.ID, Name: n.Name, Path: n.Path, Kind: "user"}
				}
			}
		}
	}
	return nil
}

func sortedIDs[V any](m map[int]V) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// finish writes the tables, next_cluster_id and the metadata.
func (sw *seedWriter) finish() {
	users, tokens := []seedUser{}, []seedToken{}
	for _, id := range sortedIDs(sw.users) {
		u := sw.users[id]
		users = append(users, *u)
		tokens = append(tokens, seedToken{Token: RehearsalTokenPrefix + u.Username, UserID: u.ID, Scopes: []string{"api"}})
	}
	namespaces := []seedNamespace{}
	for _, id := range sortedIDs(sw.namespaces) {
		namespaces = append(namespaces, *sw.namespaces[id])
	}
	projects := []seedProject{}
	for _, id := range sortedIDs(sw.projects) {
		projects = append(projects, *sw.projects[id])
	}
	sw.writeJSON("users", users)
	sw.writeJSON("tokens", tokens)
	sw.writeJSON("namespaces", namespaces)
	sw.writeJSON("projects", projects)
	sw.write(",\n  \"next_cluster_id\": " + strconv.Itoa(sw.maxID+1))
	t := sw.iv.inv.Target
	flag := "on"
	if t.APIDisabled {
		flag = "off"
	}
	// what could not be read: every problem of the run, the seed's own included
	unreadable := []string{}
	for _, p := range sw.iv.inv.Problems {
		unreadable = append(unreadable, sw.iv.t.redact.String(p.Scope+": "+p.Message))
	}
	unreadable = append(unreadable, sw.hidden...)
	notes := sw.notes
	if notes == nil {
		notes = []string{}
	}
	sw.writeJSON("metadata", map[string]any{
		"generated_by": "glcontract inventory --seed",
		"source":       map[string]any{"url": sw.iv.t.shown, "version": t.Version, "certificate_based_clusters": flag},
		"placeholders": "GitLab returns no token: each user's token is " + RehearsalTokenPrefix + "<username> (scope api), each cluster's " +
			"Kubernetes token is " + ClusterTokenPlaceholder + "; ids are GitLab's",
		"unreadable": unreadable,
		"notes":      notes,
	})
	sw.write("\n}\n")
}

// all inventories every group and project of the instance (GET /groups and GET /projects list
// them all for an administrator, every page) and the instance's clusters. A list that did not
// end is a problem, as a clusters list that did not end.
func (iv *inventorier) all(ctx context.Context) error {
	const scope = "--all"
	var me userJSON
	if status, err := iv.getJSON(ctx, "/user", &me); err != nil {
		return err
	} else if status != http.StatusOK || me.IsAdmin == nil || !*me.IsAdmin {
		iv.inv.Problems = append(iv.inv.Problems, InventoryProblem{Scope: scope, Status: status, Message: "the token's user is not an " +
			"administrator: GET /groups and GET /projects list only what it can see, and the instance's clusters cannot be read"})
	}
	for _, l := range []struct {
		kind, path string
		ids        *[]int
	}{{KindGroup, "/groups?all_available=true&order_by=id&sort=asc", &iv.allGroups}, {KindProject, "/projects?order_by=id&sort=asc", &iv.allProjects}} {
		type owner struct {
			ID                int    `json:"id"`
			FullPath          string `json:"full_path"`
			PathWithNamespace string `json:"path_with_namespace"`
		}
		var owners []owner
		status, ended, err := iv.getAll(ctx, l.path, func(raw json.RawMessage) {
			var o owner
			if json.Unmarshal(raw, &o) == nil && o.ID > 0 {
				owners = append(owners, o)
			}
		})
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			iv.inv.Problems = append(iv.inv.Problems, InventoryProblem{Scope: scope, Status: status,
				Message: fmt.Sprintf("GET %s answered %d: its %ss were not inventoried", l.path, status, l.kind)})
			continue
		}
		if !ended {
			iv.inv.Problems = append(iv.inv.Problems, InventoryProblem{Scope: scope, Message: fmt.Sprintf(
				"incomplete: GET %s did not end within %d pages (%d %ss read; X-Next-Page still announced a next page): the %ss beyond were not read",
				l.path, defaultMaxPages, len(owners), l.kind, l.kind)})
		}
		for _, o := range owners {
			*l.ids = append(*l.ids, o.ID)
			where := o.FullPath
			if l.kind == KindProject {
				where = o.PathWithNamespace
			}
			if iv.inv.Target.APIDisabled {
				continue // one 404 said it for all
			}
			if err := iv.owner(ctx, l.kind, strconv.Itoa(o.ID), scope, where); err != nil {
				return err
			}
		}
	}
	if iv.inv.Target.APIDisabled {
		return nil
	}
	return iv.owner(ctx, KindInstance, "", scope, "")
}
