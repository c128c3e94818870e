package mockserver

import (
	"cmp"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/glclusters/clustersapi/mockserver/internal/paging"
)

// The read API of what the mock models (lib/api/projects.rb, groups.rb, namespaces.rb,
// members.rb, users.rb): what clients look up before their clusters. These are not clusters
// routes: the certificate_based_clusters flag does not switch them off. Their handlers look
// the project or group up after Grape's validation, as GitLab's endpoints do, and a request
// without a token reaches the anonymous ones as no user (pipeline.go, endpoint.anonymous).
// Nonexistent and unreadable are the same 404 (find_project!, find_group!: no 403 for reads).

// user is the caller, nil for a request without a token.
func (c *call) user() *user {
	if c.tok == nil {
		return nil
	}
	return c.tok.user
}

// ref is the route's {id}, unescaped once (go-gitlab escapes '.' as %2E and '/' as %2F).
func (c *call) ref() (string, bool) {
	ref, err := url.PathUnescape(c.params.id)
	return ref, err == nil
}

// readableProject is find_project!: the project by id or full path, if u may read it.
func (c *call) readableProject() *project {
	ref, ok := c.ref()
	if !ok {
		return nil
	}
	if p := c.st.projectByRef(ref); p != nil && p.visibleTo(c.user()) {
		return p
	}
	return nil
}

// readableGroup is find_group!: the group by id or full path, if u may read it.
func (c *call) readableGroup() *namespace {
	ref, ok := c.ref()
	if !ok {
		return nil
	}
	if g := c.st.groupByRef(ref); g != nil && c.st.groupReadable(g, c.user()) {
		return g
	}
	return nil
}

// getProject serves GET /projects/:id: Entities::ProjectWithAccess for a signed-in caller,
// Entities::ProjectDetails without a token (lib/api/projects.rb, `get ":id"`:
// `with: current_user ? Entities::ProjectWithAccess : Entities::ProjectDetails`). The mock's
// projects are no forks, so ProjectDetails is BasicProjectDetails.
func (s *Server) getProject(c *call) {
	p := c.readableProject()
	if p == nil {
		c.fail(errProjectNotFound)
		return
	}
	if u := c.user(); u != nil {
		c.json(http.StatusOK, mustJSON(c.st.projectWithAccess(p, u, true)))
		return
	}
	c.json(http.StatusOK, mustJSON(c.st.projectBasic(p, nil)))
}

// listProjects serves GET /projects (ProjectsFinder): without a token the public projects,
// signed in public_or_visible_to_user (public, internal, authorized; admins all).
func (s *Server) listProjects(c *call) {
	u := c.user()
	var ps []*project
	for _, p := range c.st.projects {
		if p.visibleTo(u) && c.projectFilters(p, u) {
			ps = append(ps, p)
		}
	}
	if u != nil && !queryBool(c.query, "simple") {
		s.pageOfProjects(c, ps, func(p *project) any { return c.st.projectWithAccess(p, u, false) })
		return
	}
	s.pageOfProjects(c, ps, func(p *project) any { return c.st.projectBasic(p, u) })
}

// listGroupProjects serves GET /groups/:id/projects (GroupProjectsFinder): the group's own
// projects the caller may read (its subgroups' with include_subgroups), as Entities::Project,
// or BasicProjectDetails with simple=true (lib/api/groups.rb, present_projects), with or
// without a token.
func (s *Server) listGroupProjects(c *call) {
	g := c.readableGroup()
	if g == nil {
		c.fail(errGroupNotFound)
		return
	}
	u, sub := c.user(), queryBool(c.query, "include_subgroups")
	var ps []*project
	for _, p := range c.st.projects {
		if (p.ns == g || sub && g.contains(p.ns)) && p.visibleTo(u) && c.projectFilters(p, u) {
			ps = append(ps, p)
		}
	}
	if queryBool(c.query, "simple") {
		s.pageOfProjects(c, ps, func(p *project) any { return c.st.projectBasic(p, u) })
		return
	}
	s.pageOfProjects(c, ps, func(p *project) any { return c.st.projectFull(p, u, false) })
}

// projectFilters applies search, visibility, membership and owned (project_finder_params).
// Without a token, membership and owned find nothing.
func (c *call) projectFilters(p *project, u *user) bool {
	q := c.query
	if v := q.Get("visibility"); v != "" && p.visibility != v {
		return false
	}
	if queryBool(q, "membership") && (u == nil || p.memberLevel(u) == accessNone) {
		return false // authorized_projects: a role in the project or an ancestor group
	}
	if queryBool(q, "owned") && (u == nil || !p.ownedBy(u)) {
		return false
	}
	if search := q.Get("search"); search != "" && !fuzzyMatch(search, p.path, p.name, p.description) {
		return false
	}
	return true
}

// ownedBy is User#owned_projects: projects in the user's own namespace and those where the
// user is an Owner (directly or through a group).
func (p *project) ownedBy(u *user) bool {
	return p.memberLevel(u) >= accessOwner || p.ns.kind == "user" && strings.EqualFold(p.ns.path, u.username)
}

// pageOfProjects orders the projects as GitLab does (order_by created_at, the default, is
// id: order_options_with_tie_breaker(override_created_at: true); ties broken by id in the
// same direction; sort desc by default), and answers one page of them.
func (s *Server) pageOfProjects(c *call, ps []*project, entity func(*project) any) {
	by, desc := c.query.Get("order_by"), c.query.Get("sort") != "asc"
	slices.SortFunc(ps, func(a, b *project) int {
		n := 0
		switch by {
		case "name":
			n = strings.Compare(a.name, b.name)
		case "path":
			n = strings.Compare(a.path, b.path)
		} // id, created_at, updated_at, last_activity_at, star_count, similarity: equal but for id
		if n == 0 {
			n = cmp.Compare(a.id, b.id)
		}
		if desc {
			return -n
		}
		return n
	})
	writePage(c, len(ps), func(i int) any { return entity(ps[i]) })
}

// writePage answers one page of total items with GitLab's pagination headers and Link.
func writePage(c *call, total int, item func(int) any) {
	pg := paging.Parse(c.query)
	pg.SetHeaders(c.w.Header(), c.r, c.query, c.path, c.params.id, total)
	out := []byte{'['}
	for i, n := pg.Offset(), 0; i < total && n < pg.PerPage; i, n = i+1, n+1 {
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, mustJSON(item(i))...)
	}
	c.json(http.StatusOK, append(out, ']'))
}

// getGroup serves GET /groups/:id: Entities::GroupDetail for everyone, with the group's own
// projects the caller may read unless with_projects=false.
func (s *Server) getGroup(c *call) {
	g := c.readableGroup()
	if g == nil {
		c.fail(errGroupNotFound)
		return
	}
	u := c.user()
	e := groupDetailEntity{groupEntity: c.st.groupEntity(g), SharedWithGroups: []struct{}{}}
	if g.parent == nil {
		if g.accessLevel(u) >= accessOwner { // admin_group
			e.EnabledGitAccessProtocol = "all"
		}
		no := false
		e.PreventSharingOutsideHierarchy = &no
	}
	if c.query.Get("with_projects") != "false" {
		var ps []*project
		for _, p := range c.st.projects {
			if p.ns == g && p.visibleTo(u) {
				ps = append(ps, p)
			}
		}
		slices.SortFunc(ps, func(a, b *project) int { return cmp.Compare(b.id, a.id) })
		projects, shared := make([]json.RawMessage, 0, len(ps)), []json.RawMessage{}
		for i, p := range ps {
			if i == 100 { // GroupProjectsFinder::DEFAULT_PROJECTS_LIMIT
				break
			}
			projects = append(projects, mustJSON(c.st.projectFull(p, u, false)))
		}
		e.Projects, e.SharedProjects = &projects, &shared
	}
	c.json(http.StatusOK, mustJSON(e))
}

// listGroups serves GET /groups (GroupsFinder).
func (s *Server) listGroups(c *call) {
	s.pageOfGroups(c, nil)
}

// listSubgroups serves GET /groups/:id/subgroups: the group's children GET /groups would list.
func (s *Server) listSubgroups(c *call) {
	g := c.readableGroup()
	if g == nil {
		c.fail(errGroupNotFound)
		return
	}
	s.pageOfGroups(c, g)
}

// pageOfGroups lists the groups the caller may list (parent's children when parent is not
// nil), filtered, ordered (order_by name by default, sort asc, ties by id asc) and paged.
// Names compare byte by byte (PostgreSQL's C collation, as an Omnibus database has it;
// UNCERTAIN for other databases).
func (s *Server) pageOfGroups(c *call, parent *namespace) {
	u, q := c.user(), c.query
	all := u != nil && u.admin
	if q.Get("all_available") != "" {
		all = queryBool(q, "all_available")
	}
	var gs []*namespace
	for _, g := range c.st.namespaces {
		if !g.isGroup() || parent != nil && g.parent != parent || !c.st.groupListable(g, u, all) {
			continue
		}
		if v := q.Get("visibility"); v != "" && g.visibility != v {
			continue
		}
		if queryBool(q, "owned") && (u == nil || g.members[u.id] < accessOwner) {
			continue // owned_groups: a direct Owner membership
		}
		if parent == nil && queryBool(q, "top_level_only") && g.parent != nil {
			continue
		}
		if search := q.Get("search"); search != "" && !fuzzyMatch(search, g.name, g.path) {
			continue
		}
		gs = append(gs, g)
	}
	by, desc := q.Get("order_by"), q.Get("sort") == "desc"
	slices.SortFunc(gs, func(a, b *namespace) int {
		n := 0
		switch by {
		case "path":
			n = strings.Compare(a.path, b.path)
		case "id":
		default: // name; similarity without a search orders as name
			n = strings.Compare(a.name, b.name)
		}
		if desc {
			n = -n
		}
		return cmp.Or(n, cmp.Compare(a.id, b.id)) // the tie-breaker is id ascending either way
	})
	if by == "id" && desc {
		slices.Reverse(gs)
	}
	writePage(c, len(gs), func(i int) any { return c.st.groupEntity(gs[i]) })
}

// groupListable is what GroupsFinder lists: without a token the public groups; admins every
// group; an ordinary user the groups they are a member of with their ancestors and
// descendants, and with all_available every public and internal group too.
func (st *state) groupListable(g *namespace, u *user, all bool) bool {
	switch {
	case u == nil:
		return g.visibility == "public"
	case u.admin && all:
		return true
	case all && g.visibility != "private":
		return true
	}
	if g.memberLevel(u) > accessNone { // a member of g or an ancestor
		return true
	}
	for _, d := range st.namespaces { // an ancestor of a group u is a member of
		if d.isGroup() && d.members[u.id] > accessNone && g.contains(d) {
			return true
		}
	}
	return false
}

// getNamespace serves GET /namespaces/:id (lib/api/namespaces.rb: authenticate!, then
// find_namespace! and check_namespace_access): members of the group or an ancestor (any
// role), the owner of a user namespace, and admins; anyone else 404, a public group too.
func (s *Server) getNamespace(c *call) {
	u := c.user()
	ref, ok := c.ref()
	var n *namespace
	if ok {
		n = c.st.namespaceByRef(ref)
	}
	readable := n != nil && (u.admin || n.isGroup() && n.memberLevel(u) > accessNone ||
		n.kind == "user" && strings.EqualFold(n.path, u.username))
	if !readable {
		c.fail(errNamespaceNotFound)
		return
	}
	e := namespaceDetailEntity{namespaceEntity: c.st.namespaceBasic(n)}
	if n.isGroup() && n.accessLevel(u) >= accessOwner { // admin_group
		members, projects, size := 0, 0, 0
		seen := map[int]bool{}
		for _, d := range c.st.namespaces {
			if d.isGroup() && n.contains(d) {
				for id := range d.members {
					if !seen[id] {
						seen[id] = true
						members++
					}
				}
			}
		}
		for _, p := range c.st.projects {
			if p.ns == n {
				projects++
			}
		}
		e.MembersCountWithDescendants, e.RootRepositorySize, e.ProjectsCount = &members, &size, &projects
	}
	c.json(http.StatusOK, mustJSON(e))
}

// namespaceByRef finds a group or a user namespace by id or full path.
func (st *state) namespaceByRef(ref string) *namespace {
	if g := st.groupByRef(ref); g != nil {
		return g
	}
	for _, n := range st.namespaces {
		if n.kind == "user" && (ref == strconv.Itoa(n.id) || strings.EqualFold(ref, n.path)) {
			return n
		}
	}
	return nil
}

// listProjectMembers serves GET /projects/:id/members/all: the project's members and those
// of its group and every ancestor, one row per user (ordered by user id) with the user's
// effective level on the project (MembersFinder, DISTINCT ON user_id).
func (s *Server) listProjectMembers(c *call) {
	p := c.readableProject()
	if p == nil {
		c.fail(errProjectNotFound)
		return
	}
	levels := map[int]int{}
	for id, l := range p.members {
		levels[id] = l
	}
	if p.ns.isGroup() {
		for g := p.ns; g != nil; g = g.parent {
			for id, l := range g.members {
				levels[id] = max(levels[id], l)
			}
		}
	}
	s.pageOfMembers(c, levels)
}

// listGroupMembers serves GET /groups/:id/members/all: members of the group and every
// ancestor, each user once with their highest level (GroupMembersFinder).
func (s *Server) listGroupMembers(c *call) {
	g := c.readableGroup()
	if g == nil {
		c.fail(errGroupNotFound)
		return
	}
	levels := map[int]int{}
	for a := g; a != nil; a = a.parent {
		for id, l := range a.members {
			levels[id] = max(levels[id], l)
		}
	}
	s.pageOfMembers(c, levels)
}

// pageOfMembers answers one page of Entities::Member, by user id, filtered by query (name
// or username, any length, case-insensitive).
func (s *Server) pageOfMembers(c *call, levels map[int]int) {
	query := strings.ToLower(c.query.Get("query"))
	var ms []memberEntity
	for _, id := range slices.Sorted(maps.Keys(levels)) {
		u := c.st.users[id]
		if u == nil || levels[id] == accessNone {
			continue
		}
		if query != "" && !strings.Contains(strings.ToLower(u.name), query) && !strings.Contains(strings.ToLower(u.username), query) {
			continue
		}
		ms = append(ms, memberEntity{userBasicEntity: userBasic(u, c.st.external), AccessLevel: levels[id],
			CreatedAt: fixedCreatedAt})
	}
	writePage(c, len(ms), func(i int) any { return ms[i] })
}

// getUserByID serves GET /users/:id (lib/api/users.rb, newest): 403 Not authorized! without a
// token, 404 User Not Found, Entities::UserDetailsWithAdmin for admins, else Entities::User.
func (s *Server) getUserByID(c *call) {
	caller := c.user()
	if caller == nil {
		c.fail(errNotAuthorized)
		return
	}
	id, _ := strconv.Atoi(c.params.id) // validated as an integer already
	u := c.st.users[id]
	if u == nil {
		c.fail(errUserNotFound)
		return
	}
	e := userEntity{userBasicEntity: userBasic(u, c.st.external), CreatedAt: fixedCreatedAt}
	if !caller.admin {
		c.json(http.StatusOK, mustJSON(e))
		return
	}
	email := u.username + "@example.com"
	a := userAdminEntity{userEntity: e, ConfirmedAt: fixedCreatedAt, Email: email, ThemeID: 3, ColorSchemeID: 1,
		ProjectsLimit: 100000, Identities: []struct{}{}, CanCreateGroup: true, CanCreateProject: true,
		CommitEmail: email, IsAdmin: u.admin, HighestRole: c.st.highestRole(u)}
	for _, n := range c.st.namespaces {
		if n.kind == "user" && strings.EqualFold(n.path, u.username) {
			a.NamespaceID = &n.id
		}
	}
	c.json(http.StatusOK, mustJSON(a))
}

// highestRole is User#highest_role: the highest level of the user's memberships.
func (st *state) highestRole(u *user) int {
	level := accessNone
	for _, n := range st.namespaces {
		level = max(level, n.members[u.id])
	}
	for _, p := range st.projects {
		level = max(level, p.members[u.id])
	}
	return level
}

// userNamed is the user whose username is name (case-insensitive), or nil.
func (st *state) userNamed(name string) *user {
	for _, u := range st.users {
		if strings.EqualFold(u.username, name) {
			return u
		}
	}
	return nil
}

// fuzzyMatch is Gitlab::SQL::Pattern's fuzzy_search: case-insensitive; a query of 3 or more
// characters matches anywhere, a shorter one only a whole value (MIN_CHARS_FOR_PARTIAL_MATCHING).
func fuzzyMatch(query string, values ...string) bool {
	q := strings.ToLower(query)
	for _, v := range values {
		v = strings.ToLower(v)
		if len([]rune(q)) >= 3 && strings.Contains(v, q) || v == q {
			return true
		}
	}
	return false
}

// queryBool reads a Boolean query parameter as Grape coerced it.
func queryBool(q url.Values, name string) bool { return q.Get(name) == "true" }
