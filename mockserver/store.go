package mockserver

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// state is everything the mock stores. The lock guards all of it.
type state struct {
	mu         sync.RWMutex
	users      map[int]*user
	tokens     map[string]*token
	namespaces map[int]*namespace
	projects   map[int]*project
	byPath     map[string]*project   // lower-cased full path
	groupPaths map[string]*namespace // groups by lower-cased full path
	clusters   map[int]*cluster
	byOwner    map[clusterable][]*cluster     // ordered by id
	scopes     map[clusterable]map[string]int // owner -> environment scope -> cluster id
	nextID     int
	external   string
}

// newState builds the state from a seed; the seed is checked already.
func newState(s *Seed, externalURL string) *state {
	st := &state{
		users: map[int]*user{}, tokens: map[string]*token{}, namespaces: map[int]*namespace{},
		projects: map[int]*project{}, byPath: map[string]*project{}, groupPaths: map[string]*namespace{}, clusters: map[int]*cluster{},
		byOwner: map[clusterable][]*cluster{}, scopes: map[clusterable]map[string]int{}, nextID: s.NextClusterID, external: strings.TrimRight(externalURL, "/"),
	}
	for _, su := range s.Users {
		u := &user{id: su.ID, username: su.Username, name: su.Name, state: su.State, admin: su.Admin}
		if u.state == "" {
			u.state = "active"
		}
		u.basic = st.renderUser(u)
		st.users[u.id] = u
	}
	for _, t := range s.Tokens {
		st.tokens[t.Token] = &token{user: st.users[t.UserID], scopes: slices.Clone(t.Scopes),
			readOnly: !slices.Contains(t.Scopes, "api"), sudo: slices.Contains(t.Scopes, "sudo")}
	}
	for _, sn := range s.Namespaces {
		kind := sn.Kind
		if kind == "" {
			kind = "group"
		}
		n := &namespace{id: sn.ID, name: sn.Name, path: sn.Path, kind: kind, parentID: sn.ParentID,
			visibility: orDefault(sn.Visibility, "private"), members: map[int]int{}}
		for _, m := range sn.Members {
			n.members[m.UserID] = roles[m.Role]
		}
		st.namespaces[sn.ID] = n
	}
	for _, n := range st.namespaces {
		if n.parentID != nil {
			n.parent = st.namespaces[*n.parentID]
		}
	}
	for _, n := range st.namespaces {
		if n.isGroup() {
			n.basic = st.renderGroup(n)
			st.groupPaths[strings.ToLower(n.fullPath())] = n
		}
	}
	for _, sp := range s.Projects {
		p := &project{id: sp.ID, name: sp.Name, path: sp.Path, ns: st.namespaces[sp.NamespaceID],
			visibility: sp.Visibility, description: sp.Description, members: map[int]int{}}
		p.createdAt = parseTime(sp.CreatedAt, time.Date(2019, 1, 2, 20, 13, 32, 600e6, time.UTC))
		for _, m := range sp.Members {
			p.members[m.UserID] = roles[m.Role]
		}
		p.details, p.identity = st.renderProject(p)
		st.projects[p.id] = p
		st.byPath[strings.ToLower(p.fullPath())] = p
	}
	for _, sc := range s.Clusters {
		c := &cluster{
			id: sc.ID, clusterType: orDefault(sc.ClusterType, projectType), projectID: sc.ProjectID, groupID: sc.GroupID, name: sc.Name, domain: sc.Domain, enabled: sc.Enabled, managed: sc.Managed,
			providerType: orDefault(sc.ProviderType, "user"), environmentScope: sc.EnvironmentScope,
			namespacePerEnvironment: sc.NamespacePerEnvironment, userID: sc.UserID, managementProjectID: sc.ManagementProjectID,
			apiURL: sc.Platform.APIURL, token: sc.Platform.Token, caCert: sc.Platform.CACert, namespace: sc.Platform.Namespace,
			authorizationType: orDefault(sc.Platform.AuthorizationType, "rbac"), gcp: sc.ProviderGCP,
		}
		c.createdAt = parseTime(sc.CreatedAt, time.Time{})
		c.updatedAt = parseTime(sc.UpdatedAt, c.createdAt)
		st.render(c)
		st.clusters[c.id] = c
		st.byOwner[c.belongsTo()] = append(st.byOwner[c.belongsTo()], c)
		st.indexScope(c)
	}
	for _, list := range st.byOwner {
		sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	}
	return st
}

// seed exports the state in the seed format; cluster tokens included, so it loads again.
func (st *state) seed() *Seed {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.seedLocked()
}

// seedLocked is seed with the lock already held.
func (st *state) seedLocked() *Seed {
	s := &Seed{NextClusterID: st.nextID}
	for _, id := range slices.Sorted(maps.Keys(st.users)) {
		u := st.users[id]
		su := SeedUser{ID: u.id, Username: u.username, Name: u.name, Admin: u.admin}
		if u.state != "active" {
			su.State = u.state
		}
		s.Users = append(s.Users, su)
	}
	toks := make([]string, 0, len(st.tokens))
	for t := range st.tokens {
		toks = append(toks, t)
	}
	sort.Strings(toks)
	for _, t := range toks {
		s.Tokens = append(s.Tokens, SeedToken{Token: t, UserID: st.tokens[t].user.id, Scopes: slices.Clone(st.tokens[t].scopes)})
	}
	for _, id := range slices.Sorted(maps.Keys(st.namespaces)) {
		n := st.namespaces[id]
		sn := SeedNamespace{ID: n.id, Name: n.name, Path: n.path, Kind: n.kind, ParentID: n.parentID}
		if n.isGroup() {
			sn.Visibility = n.visibility
			if len(n.members) > 0 {
				sn.Members = seedMembers(n.members)
			}
		}
		s.Namespaces = append(s.Namespaces, sn)
	}
	for _, id := range slices.Sorted(maps.Keys(st.projects)) {
		p := st.projects[id]
		sp := SeedProject{ID: p.id, Name: p.name, Path: p.path, NamespaceID: p.ns.id, Visibility: p.visibility,
			Description: p.description, CreatedAt: formatTime(p.createdAt), Members: seedMembers(p.members)}
		s.Projects = append(s.Projects, sp)
	}
	for _, id := range slices.Sorted(maps.Keys(st.clusters)) {
		c := st.clusters[id]
		clusterType := c.clusterType
		if clusterType == projectType {
			clusterType = "" // the default: project clusters export as before
		}
		s.Clusters = append(s.Clusters, SeedCluster{
			ID: c.id, ClusterType: clusterType, ProjectID: c.projectID, GroupID: c.groupID, Name: c.name, Domain: c.domain, Enabled: c.enabled, Managed: c.managed,
			ProviderType: c.providerType, EnvironmentScope: c.environmentScope, NamespacePerEnvironment: c.namespacePerEnvironment,
			UserID: c.userID, ManagementProjectID: c.managementProjectID, CreatedAt: formatTime(c.createdAt),
			UpdatedAt: formatTime(c.updatedAt), ProviderGCP: c.gcp,
			Platform: SeedPlatform{APIURL: c.apiURL, Token: c.token, CACert: c.caCert, Namespace: c.namespace,
				AuthorizationType: c.authorizationType},
		})
	}
	return s
}

// seedMembers lists members by user id, with their role's name.
func seedMembers(members map[int]int) []SeedMember {
	out := []SeedMember{}
	for _, uid := range slices.Sorted(maps.Keys(members)) {
		for name, level := range roles {
			if level == members[uid] {
				out = append(out, SeedMember{UserID: uid, Role: name})
			}
		}
	}
	return out
}

// groupByRef finds a group by numeric id or full path (already unescaped), as find_group
// does: unlike a project, a top-level group is found by its path without a slash.
func (st *state) groupByRef(ref string) *namespace {
	if id, err := strconv.Atoi(ref); err == nil && !strings.HasPrefix(ref, "+") {
		if n := st.namespaces[id]; n != nil && n.isGroup() {
			return n
		}
		return nil
	}
	return st.groupPaths[strings.ToLower(ref)]
}

// groupReadable is GitLab's read_group: public and internal groups for anyone signed in,
// members (inherited ones too), admins, and users who can see a project in the group or its
// subgroups (has_projects).
func (st *state) groupReadable(g *namespace, u *user) bool {
	if g.visibility != "private" || g.accessLevel(u) > accessNone {
		return true
	}
	for _, p := range st.projects {
		if g.contains(p.ns) && p.visibleTo(u) {
			return true
		}
	}
	return false
}

// projectByRef finds a project by numeric id or full path (already unescaped).
func (st *state) projectByRef(ref string) *project {
	if id, err := strconv.Atoi(ref); err == nil && !strings.HasPrefix(ref, "+") {
		return st.projects[id]
	}
	if strings.Contains(ref, "/") {
		return st.byPath[strings.ToLower(ref)]
	}
	return nil
}

// page returns one page of an owner's clusters and the total.
func (st *state) page(owner clusterable, offset, limit int) ([]*cluster, int) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	list := st.byOwner[owner]
	if offset >= len(list) {
		return nil, len(list)
	}
	end := min(offset+limit, len(list))
	return slices.Clone(list[offset:end]), len(list)
}

// find returns an owner's cluster, or nil when it is missing or another's.
func (st *state) find(owner clusterable, id int) *cluster {
	st.mu.RLock()
	defer st.mu.RUnlock()
	c := st.clusters[id]
	if c == nil || c.belongsTo() != owner {
		return nil
	}
	return c
}

// scopeTaken says whether another cluster of the owner uses the environment scope.
// Called with the lock held.
func (st *state) scopeTaken(owner clusterable, scope string, except int) bool {
	id, ok := st.scopes[owner][scope]
	return ok && id != except
}

func (st *state) indexScope(c *cluster) {
	m := st.scopes[c.belongsTo()]
	if m == nil {
		m = map[string]int{}
		st.scopes[c.belongsTo()] = m
	}
	m[c.environmentScope] = c.id
}

func (st *state) unindexScope(c *cluster) {
	if st.scopes[c.belongsTo()][c.environmentScope] == c.id {
		delete(st.scopes[c.belongsTo()], c.environmentScope)
	}
}

// insert stores a new, validated cluster under the next id. Called with the lock held.
func (st *state) insert(c *cluster) {
	c.id = st.nextID
	st.nextID++
	st.render(c)
	st.clusters[c.id] = c
	st.byOwner[c.belongsTo()] = append(st.byOwner[c.belongsTo()], c)
	st.indexScope(c)
}

// replace swaps in an updated cluster. Called with the lock held.
func (st *state) replace(c *cluster) {
	if old := st.clusters[c.id]; old != nil {
		st.unindexScope(old)
	}
	st.render(c)
	st.indexScope(c)
	st.clusters[c.id] = c
	list := st.byOwner[c.belongsTo()]
	i, _ := slices.BinarySearchFunc(list, c.id, func(x *cluster, id int) int { return x.id - id })
	list[i] = c
}

// restore puts back a removed cluster. Called with the lock held.
func (st *state) restore(c *cluster) {
	st.clusters[c.id] = c
	st.indexScope(c)
	list := st.byOwner[c.belongsTo()]
	i, _ := slices.BinarySearchFunc(list, c.id, func(x *cluster, id int) int { return x.id - id })
	st.byOwner[c.belongsTo()] = slices.Insert(list, i, c)
}

// remove deletes a cluster. Called with the lock held.
func (st *state) remove(c *cluster) {
	delete(st.clusters, c.id)
	st.unindexScope(c)
	list := st.byOwner[c.belongsTo()]
	if i, ok := slices.BinarySearchFunc(list, c.id, func(x *cluster, id int) int { return x.id - id }); ok {
		st.byOwner[c.belongsTo()] = slices.Delete(list, i, i+1)
	}
}
