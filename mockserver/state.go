package mockserver

import (
	"github.com/glclusters/clustersapi/mockserver/internal/store"
	"io"
	"iter"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/glclusters/clustersapi/mockserver/internal/role"
)

// state is everything the mock stores: users, tokens, namespaces and projects, which never
// change once the state is built (a reset builds a new state), and the clusters, which only
// their table's transactions change (internal/store).
type state struct {
	users      map[int]*user
	tokens     map[string]*token
	namespaces map[int]*namespace
	projects   map[int]*project
	byPath     map[string]*project   // lower-cased full path
	groupPaths map[string]*namespace // groups by lower-cased full path
	clusters   *store.Table
	external   string
	// creatorID is every project's creator_id: the seed does not say who created a project,
	// so the first admin (else the first user) did.
	creatorID int
	// tables is the seed without its clusters, for the state file and the export.
	tables *Seed
	// metadata is the seed's, kept as it came (an inventory's seed says where it came from).
	metadata map[string]any
}

// newState builds the state from a seed; the seed is checked already, and the cluster
// table checks its own invariants again (a state file at start is not a checked seed).
func newState(s *Seed, externalURL string) (*state, error) {
	st := &state{
		users: map[int]*user{}, tokens: map[string]*token{}, namespaces: map[int]*namespace{},
		projects: map[int]*project{}, byPath: map[string]*project{}, groupPaths: map[string]*namespace{},
		external: strings.TrimRight(externalURL, "/"),
	}
	for _, su := range s.Users {
		u := &user{id: su.ID, username: su.Username, name: su.Name, state: su.State, admin: su.Admin}
		if u.state == "" {
			u.state = "active"
		}
		u.basic = st.renderUser(u)
		st.users[u.id] = u
	}
	for _, su := range s.Users {
		if st.creatorID == 0 || su.Admin && !st.users[st.creatorID].admin {
			st.creatorID = su.ID
		}
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
		p.createdAt = store.ParseTime(sp.CreatedAt, time.Date(2019, 1, 2, 20, 13, 32, 600e6, time.UTC))
		for _, m := range sp.Members {
			p.members[m.UserID], _ = role.ByName(m.Role)
		}
		p.details, p.identity = st.renderProject(p)
		st.projects[p.id] = p
		st.byPath[strings.ToLower(p.fullPath())] = p
	}
	var err error
	st.clusters, err = store.New(s.Clusters, s.NextClusterID, func(id int) bool { return st.projects[id] != nil })
	if err != nil {
		return nil, err
	}
	st.metadata = s.Metadata
	st.tables = st.seedTables()
	return st, nil
}

// seed exports the state in the seed format; cluster tokens included, so it loads again.
func (st *state) seed() *Seed {
	s := st.seedTables() // the caller may change it (the export redacts it)
	st.clusters.Seed(func(nextID, n int, clusters iter.Seq[*SeedCluster]) error {
		s.NextClusterID = nextID
		if n > 0 { // none exports as null, as before
			s.Clusters = make([]SeedCluster, 0, n)
		}
		for c := range clusters {
			s.Clusters = append(s.Clusters, *c)
		}
		return nil
	})
	return s
}

// writeSeedJSON writes the state as seed().JSON() would, a cluster at a time: a million
// clusters are never also held as seed structs or as one JSON document.
func (st *state) writeSeedJSON(w io.Writer) error {
	return st.clusters.Seed(st.seedWriter(w))
}

// seedWriter writes the seed with the clusters a store.Saver is handed.
func (st *state) seedWriter(w io.Writer) func(nextID, n int, clusters iter.Seq[*SeedCluster]) error {
	return func(nextID, n int, clusters iter.Seq[*SeedCluster]) error {
		s := *st.tables
		s.NextClusterID = nextID
		return s.WriteJSONFrom(w, n, clusters)
	}
}

// seedTables is the seed without its clusters.
func (st *state) seedTables() *Seed {
	s := &Seed{Metadata: maps.Clone(st.metadata)}
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
			Description: p.description, CreatedAt: store.FormatTime(p.createdAt), Members: seedMembers(p.members)}
		s.Projects = append(s.Projects, sp)
	}
	return s
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

// groupReadable is GitLab's read_group (app/policies/group_policy.rb): a public group for
// anyone, a request without a token (u nil) too (public_group); an internal one for anyone
// signed in (logged_in_viewable); a private one for members (inherited ones too), admins, and
// users who can see a project in the group or its subgroups (has_projects, where a public
// project counts for anonymous requests as well).
func (st *state) groupReadable(g *namespace, u *user) bool {
	switch {
	case g.visibility == "public", g.visibility == "internal" && u != nil, g.accessLevel(u) > accessNone:
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

// StateFileError is a state file (WithStateFile) that exists but cannot be used; the file is
// left as it is.
type StateFileError = store.StateFileError
