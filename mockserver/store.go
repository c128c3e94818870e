package mockserver

import (
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/glclusters/clustersapi/mockserver/internal/role"
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
	byOwner    map[Owner][]Packed    // ordered by id
	count      int                   // clusters stored
	scopes     scopeIndex
	nextID     int
	external   string
}

// newState builds the state from a seed; the seed is checked already.
func newState(s *Seed, externalURL string) *state {
	st := &state{
		users: map[int]*user{}, tokens: map[string]*token{}, namespaces: map[int]*namespace{},
		projects: map[int]*project{}, byPath: map[string]*project{}, groupPaths: map[string]*namespace{},
		byOwner: map[Owner][]Packed{}, scopes: newScopeIndex(), nextID: s.NextClusterID, external: strings.TrimRight(externalURL, "/"),
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
			n.members[m.UserID], _ = role.ByName(m.Role)
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
			p.members[m.UserID], _ = role.ByName(m.Role)
		}
		p.details, p.identity = st.renderProject(p)
		st.projects[p.id] = p
		st.byPath[strings.ToLower(p.fullPath())] = p
	}
	for _, sc := range s.Clusters {
		c := &cluster{
			ID: sc.ID, Type: orDefault(sc.ClusterType, projectType), ProjectID: sc.ProjectID, GroupID: sc.GroupID, Name: sc.Name, Domain: sc.Domain, Enabled: sc.Enabled, Managed: sc.Managed,
			ProviderType: orDefault(sc.ProviderType, "user"), EnvironmentScope: sc.EnvironmentScope,
			NamespacePerEnvironment: sc.NamespacePerEnvironment, UserID: sc.UserID, ManagementProjectID: sc.ManagementProjectID,
			APIURL: sc.Platform.APIURL, Token: sc.Platform.Token, CACert: sc.Platform.CACert, Namespace: sc.Platform.Namespace,
			AuthorizationType: orDefault(sc.Platform.AuthorizationType, "rbac"), GCP: sc.ProviderGCP,
		}
		c.CreatedAt = parseTime(sc.CreatedAt, time.Time{})
		c.UpdatedAt = parseTime(sc.UpdatedAt, c.CreatedAt)
		owner := c.Owner()
		st.byOwner[owner] = append(st.byOwner[owner], Pack(c))
		st.count++
	}
	for owner, list := range st.byOwner {
		if !slices.IsSortedFunc(list, byID) {
			slices.SortFunc(list, byID)
		}
		for _, p := range list {
			st.scopes.add(owner, p.ID(), p.Scope())
		}
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
	s := st.seedTablesLocked()
	all := st.sortedClusters()
	if len(all) > 0 { // none exports as null, as before
		s.Clusters = make([]SeedCluster, 0, len(all))
	}
	for _, p := range all {
		s.Clusters = append(s.Clusters, p.Seed())
	}
	return s
}

// seedTablesLocked is the seed without its clusters. Called with the lock held.
func (st *state) seedTablesLocked() *Seed {
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
	return s
}

// sortedClusters lists every stored cluster in id order. Called with the lock held.
func (st *state) sortedClusters() []Packed {
	all := make([]Packed, 0, st.count)
	for _, list := range st.byOwner {
		all = append(all, list...)
	}
	slices.SortFunc(all, byID)
	return all
}

// writeSeedJSON writes the state as seedLocked().JSON() would, a cluster at a time: a
// million clusters are never also held as seed structs or as one JSON document. Called with
// the lock held.
func (st *state) writeSeedJSON(w io.Writer) error {
	all := st.sortedClusters()
	return st.seedTablesLocked().WriteJSONFrom(w, len(all), func(yield func(*SeedCluster) bool) {
		for _, p := range all {
			c := p.Seed()
			if !yield(&c) {
				return
			}
		}
	})
}

// seedMembers lists members by user id, with their role's name.
func seedMembers(members map[int]int) []SeedMember {
	out := []SeedMember{}
	for _, uid := range slices.Sorted(maps.Keys(members)) {
		if name := role.Name(members[uid]); name != "" {
			out = append(out, SeedMember{UserID: uid, Role: name})
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
func (st *state) page(owner Owner, offset, limit int) ([]Packed, int) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	list := st.byOwner[owner]
	if offset >= len(list) {
		return nil, len(list)
	}
	end := min(offset+limit, len(list))
	return slices.Clone(list[offset:end]), len(list)
}

// find returns an owner's cluster; ok is false when it is missing or another's.
func (st *state) find(owner Owner, id int) (Packed, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.findLocked(owner, id)
}

// findLocked is find with the lock held.
func (st *state) findLocked(owner Owner, id int) (Packed, bool) {
	list := st.byOwner[owner]
	if i, ok := slices.BinarySearchFunc(list, id, cmpID); ok {
		return list[i], true
	}
	return "", false
}

func byID(a, b Packed) int       { return a.ID() - b.ID() }
func cmpID(p Packed, id int) int { return p.ID() - id }

// scopeTaken says whether another cluster of the owner uses the environment scope.
// Called with the lock held.
func (st *state) scopeTaken(owner Owner, scope string, except int) bool {
	id, ok := st.scopes.find(owner, scope, st.scopeOf)
	return ok && id != except
}

// scopeOf is the environment scope of an owner's cluster. Called with the lock held.
func (st *state) scopeOf(owner Owner, id int) (string, bool) {
	p, ok := st.findLocked(owner, id)
	if !ok {
		return "", false
	}
	return p.Scope(), true
}

// insert stores a new, validated cluster under the next id. Called with the lock held.
func (st *state) insert(c *cluster) Packed {
	c.ID = st.nextID
	st.nextID++
	p := Pack(c)
	owner := c.Owner()
	st.byOwner[owner] = append(st.byOwner[owner], p) // the highest id yet
	st.scopes.add(owner, c.ID, c.EnvironmentScope)
	st.count++
	return p
}

// replace swaps in an updated cluster for old, which is stored. Called with the lock held.
func (st *state) replace(old, c *cluster) Packed {
	owner := c.Owner()
	st.scopes.remove(owner, old.ID, old.EnvironmentScope)
	st.scopes.add(owner, c.ID, c.EnvironmentScope)
	p := Pack(c)
	list := st.byOwner[owner]
	i, _ := slices.BinarySearchFunc(list, c.ID, cmpID)
	list[i] = p
	return p
}

// restore puts back a removed cluster. Called with the lock held.
func (st *state) restore(c *cluster) {
	owner := c.Owner()
	list := st.byOwner[owner]
	i, _ := slices.BinarySearchFunc(list, c.ID, cmpID)
	st.byOwner[owner] = slices.Insert(list, i, Pack(c))
	st.scopes.add(owner, c.ID, c.EnvironmentScope)
	st.count++
}

// remove deletes a cluster. Called with the lock held.
func (st *state) remove(c *cluster) {
	owner := c.Owner()
	list := st.byOwner[owner]
	if i, ok := slices.BinarySearchFunc(list, c.ID, cmpID); ok {
		st.byOwner[owner] = slices.Delete(list, i, i+1)
		st.scopes.remove(owner, c.ID, c.EnvironmentScope)
		st.count--
	}
}
