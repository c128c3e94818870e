package mockserver

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Access levels, as GitLab numbers them.
const (
	accessNone       = 0
	accessGuest      = 10
	accessReporter   = 20
	accessDeveloper  = 30
	accessMaintainer = 40
	accessOwner      = 50
)

type user struct {
	id       int
	username string
	name     string
	state    string
	admin    bool
	basic    json.RawMessage // Entities::UserBasic
}

type token struct {
	user     *user
	scopes   []string
	readOnly bool // no api scope: GET and HEAD only
	sudo     bool // the sudo scope: an admin may act as another user
}

type namespace struct {
	id       int
	name     string
	path     string
	kind     string
	parentID *int
}

type project struct {
	id          int
	name        string
	path        string
	ns          *namespace
	visibility  string
	description string
	createdAt   time.Time
	members     map[int]int     // user id -> access level
	details     json.RawMessage // Entities::BasicProjectDetails
	identity    json.RawMessage // Entities::ProjectIdentity
}

func (p *project) fullPath() string { return p.ns.path + "/" + p.path }

// accessLevel is the user's role in the project; admins count as owners.
func (p *project) accessLevel(u *user) int {
	if u.admin {
		return accessOwner
	}
	return p.members[u.id]
}

// visibleTo says whether the user can see the project at all (else 404 Project Not Found).
func (p *project) visibleTo(u *user) bool {
	return p.visibility != "private" || p.accessLevel(u) > accessNone
}

// cluster is one stored cluster. Values are never changed in place: an update builds a new
// one and swaps it in, so readers can use a pointer after the lock is released.
type cluster struct {
	id                      int
	projectID               int
	name                    string
	domain                  *string
	enabled                 bool
	managed                 bool
	providerType            string
	environmentScope        string
	namespacePerEnvironment bool
	userID                  int
	managementProjectID     *int
	createdAt               time.Time
	updatedAt               time.Time
	apiURL                  string
	token                   string
	caCert                  *string
	namespace               *string
	authorizationType       string
	gcp                     *SeedProviderGCP

	// Entities::Cluster, rendered once per change around its user, which many clusters share:
	// head + owner.basic + tail.
	head, tail []byte
	owner      *user
}

func (c *cluster) clone() *cluster {
	n := *c
	n.head, n.tail = nil, nil
	return &n
}

// size is the length of the rendered entity.
func (c *cluster) size() int { return len(c.head) + len(c.owner.basic) + len(c.tail) }

// appendEntity appends the rendered Entities::Cluster.
func (c *cluster) appendEntity(b []byte) []byte {
	b = append(b, c.head...)
	b = append(b, c.owner.basic...)
	return append(b, c.tail...)
}

// state is everything the mock stores. The lock guards all of it.
type state struct {
	mu         sync.RWMutex
	users      map[int]*user
	tokens     map[string]*token
	namespaces map[int]*namespace
	projects   map[int]*project
	byPath     map[string]*project // lower-cased full path
	clusters   map[int]*cluster
	byProject  map[int][]*cluster     // ordered by id
	scopes     map[int]map[string]int // project -> environment scope -> cluster id
	nextID     int
	external   string
}

// newState builds the state from a seed; the seed is checked already.
func newState(s *Seed, externalURL string) *state {
	st := &state{
		users: map[int]*user{}, tokens: map[string]*token{}, namespaces: map[int]*namespace{},
		projects: map[int]*project{}, byPath: map[string]*project{}, clusters: map[int]*cluster{},
		byProject: map[int][]*cluster{}, scopes: map[int]map[string]int{}, nextID: s.NextClusterID, external: strings.TrimRight(externalURL, "/"),
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
		st.namespaces[sn.ID] = &namespace{id: sn.ID, name: sn.Name, path: sn.Path, kind: kind, parentID: sn.ParentID}
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
			id: sc.ID, projectID: sc.ProjectID, name: sc.Name, domain: sc.Domain, enabled: sc.Enabled, managed: sc.Managed,
			providerType: orDefault(sc.ProviderType, "user"), environmentScope: sc.EnvironmentScope,
			namespacePerEnvironment: sc.NamespacePerEnvironment, userID: sc.UserID, managementProjectID: sc.ManagementProjectID,
			apiURL: sc.Platform.APIURL, token: sc.Platform.Token, caCert: sc.Platform.CACert, namespace: sc.Platform.Namespace,
			authorizationType: orDefault(sc.Platform.AuthorizationType, "rbac"), gcp: sc.ProviderGCP,
		}
		c.createdAt = parseTime(sc.CreatedAt, time.Time{})
		c.updatedAt = parseTime(sc.UpdatedAt, c.createdAt)
		st.render(c)
		st.clusters[c.id] = c
		st.byProject[c.projectID] = append(st.byProject[c.projectID], c)
		st.indexScope(c)
	}
	for _, list := range st.byProject {
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
		s.Namespaces = append(s.Namespaces, SeedNamespace{ID: n.id, Name: n.name, Path: n.path, Kind: n.kind, ParentID: n.parentID})
	}
	for _, id := range slices.Sorted(maps.Keys(st.projects)) {
		p := st.projects[id]
		sp := SeedProject{ID: p.id, Name: p.name, Path: p.path, NamespaceID: p.ns.id, Visibility: p.visibility,
			Description: p.description, CreatedAt: formatTime(p.createdAt), Members: []SeedMember{}}
		for _, uid := range slices.Sorted(maps.Keys(p.members)) {
			for name, level := range roles {
				if level == p.members[uid] {
					sp.Members = append(sp.Members, SeedMember{UserID: uid, Role: name})
				}
			}
		}
		s.Projects = append(s.Projects, sp)
	}
	for _, id := range slices.Sorted(maps.Keys(st.clusters)) {
		c := st.clusters[id]
		s.Clusters = append(s.Clusters, SeedCluster{
			ID: c.id, ProjectID: c.projectID, Name: c.name, Domain: c.domain, Enabled: c.enabled, Managed: c.managed,
			ProviderType: c.providerType, EnvironmentScope: c.environmentScope, NamespacePerEnvironment: c.namespacePerEnvironment,
			UserID: c.userID, ManagementProjectID: c.managementProjectID, CreatedAt: formatTime(c.createdAt),
			UpdatedAt: formatTime(c.updatedAt), ProviderGCP: c.gcp,
			Platform: SeedPlatform{APIURL: c.apiURL, Token: c.token, CACert: c.caCert, Namespace: c.namespace,
				AuthorizationType: c.authorizationType},
		})
	}
	return s
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

// page returns one page of a project's clusters and the total.
func (st *state) page(projectID, offset, limit int) ([]*cluster, int) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	list := st.byProject[projectID]
	if offset >= len(list) {
		return nil, len(list)
	}
	end := min(offset+limit, len(list))
	return slices.Clone(list[offset:end]), len(list)
}

// find returns a project's cluster, or nil when it is missing or another project's.
func (st *state) find(projectID, id int) *cluster {
	st.mu.RLock()
	defer st.mu.RUnlock()
	c := st.clusters[id]
	if c == nil || c.projectID != projectID {
		return nil
	}
	return c
}

// scopeTaken says whether another cluster of the project uses the environment scope.
// Called with the lock held.
func (st *state) scopeTaken(projectID int, scope string, except int) bool {
	id, ok := st.scopes[projectID][scope]
	return ok && id != except
}

func (st *state) indexScope(c *cluster) {
	m := st.scopes[c.projectID]
	if m == nil {
		m = map[string]int{}
		st.scopes[c.projectID] = m
	}
	m[c.environmentScope] = c.id
}

func (st *state) unindexScope(c *cluster) {
	if st.scopes[c.projectID][c.environmentScope] == c.id {
		delete(st.scopes[c.projectID], c.environmentScope)
	}
}

// insert stores a new, validated cluster under the next id. Called with the lock held.
func (st *state) insert(c *cluster) {
	c.id = st.nextID
	st.nextID++
	st.render(c)
	st.clusters[c.id] = c
	st.byProject[c.projectID] = append(st.byProject[c.projectID], c)
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
	list := st.byProject[c.projectID]
	i, _ := slices.BinarySearchFunc(list, c.id, func(x *cluster, id int) int { return x.id - id })
	list[i] = c
}

// restore puts back a removed cluster. Called with the lock held.
func (st *state) restore(c *cluster) {
	st.clusters[c.id] = c
	st.indexScope(c)
	list := st.byProject[c.projectID]
	i, _ := slices.BinarySearchFunc(list, c.id, func(x *cluster, id int) int { return x.id - id })
	st.byProject[c.projectID] = slices.Insert(list, i, c)
}

// remove deletes a cluster. Called with the lock held.
func (st *state) remove(c *cluster) {
	delete(st.clusters, c.id)
	st.unindexScope(c)
	list := st.byProject[c.projectID]
	if i, ok := slices.BinarySearchFunc(list, c.id, func(x *cluster, id int) int { return x.id - id }); ok {
		st.byProject[c.projectID] = slices.Delete(list, i, i+1)
	}
}

// Entities, rendered as GitLab exposes them (field order included).

type userBasicEntity struct {
	ID        int     `json:"id"`
	Username  string  `json:"username"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	Locked    bool    `json:"locked"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

func (st *state) renderUser(u *user) json.RawMessage {
	sum := md5.Sum([]byte(u.username + "@example.com"))
	avatar := "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=80&d=identicon"
	return mustJSON(userBasicEntity{ID: u.id, Username: u.username, Name: u.name, State: u.state,
		Locked: u.state == "blocked", AvatarURL: &avatar, WebURL: st.external + "/" + u.username})
}

type namespaceEntity struct {
	ID        int     `json:"id"`
	Name      string  `json:"name"`
	Path      string  `json:"path"`
	Kind      string  `json:"kind"`
	FullPath  string  `json:"full_path"`
	ParentID  *int    `json:"parent_id"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

type projectIdentityEntity struct {
	ID                int     `json:"id"`
	Description       *string `json:"description"`
	Name              string  `json:"name"`
	NameWithNamespace string  `json:"name_with_namespace"`
	Path              string  `json:"path"`
	PathWithNamespace string  `json:"path_with_namespace"`
	CreatedAt         string  `json:"created_at"`
}

type projectDetailsEntity struct {
	projectIdentityEntity
	DefaultBranch  *string         `json:"default_branch"`
	TagList        []string        `json:"tag_list"`
	Topics         []string        `json:"topics"`
	SSHURLToRepo   string          `json:"ssh_url_to_repo"`
	HTTPURLToRepo  string          `json:"http_url_to_repo"`
	WebURL         string          `json:"web_url"`
	ReadmeURL      *string         `json:"readme_url"`
	AvatarURL      *string         `json:"avatar_url"`
	ForksCount     int             `json:"forks_count"`
	StarCount      int             `json:"star_count"`
	LastActivityAt string          `json:"last_activity_at"`
	Namespace      namespaceEntity `json:"namespace"`
}

func (st *state) renderProject(p *project) (details, identity json.RawMessage) {
	var desc *string
	if p.description != "" || p.visibility != "" {
		d := p.description
		desc = &d
	}
	host := st.external
	if u, err := url.Parse(st.external); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	id := projectIdentityEntity{ID: p.id, Description: desc, Name: p.name,
		NameWithNamespace: p.ns.name + " / " + p.name, Path: p.path, PathWithNamespace: p.fullPath(),
		CreatedAt: formatTime(p.createdAt)}
	branch := "main"
	d := projectDetailsEntity{
		projectIdentityEntity: id, DefaultBranch: &branch, TagList: []string{}, Topics: []string{},
		SSHURLToRepo:  "git@" + host + ":" + p.fullPath() + ".git",
		HTTPURLToRepo: st.external + "/" + p.fullPath() + ".git", WebURL: st.external + "/" + p.fullPath(),
		LastActivityAt: formatTime(p.createdAt),
		Namespace: namespaceEntity{ID: p.ns.id, Name: p.ns.name, Path: p.ns.path, Kind: p.ns.kind,
			FullPath: p.ns.path, ParentID: p.ns.parentID, WebURL: st.external + "/groups/" + p.ns.path},
	}
	if p.ns.kind == "user" {
		d.Namespace.WebURL = st.external + "/" + p.ns.path
	}
	return mustJSON(d), mustJSON(id)
}

type gcpEntity struct {
	ClusterID    int    `json:"cluster_id"`
	StatusName   string `json:"status_name"`
	GCPProjectID string `json:"gcp_project_id"`
	Zone         string `json:"zone"`
	MachineType  string `json:"machine_type"`
	NumNodes     int    `json:"num_nodes"`
	Endpoint     string `json:"endpoint"`
}

// render renders the cluster's Entities::Cluster (GitLab's field order) as head and tail around
// its user's JSON. Written by hand: every create and update pays for it. The token is not part
// of it, by construction. render_internal_test.go checks it against encoding/json.
func (st *state) render(c *cluster) {
	c.owner = st.users[c.userID]
	if c.owner == nil {
		c.owner = &user{basic: json.RawMessage("null")}
	}
	h := make([]byte, 0, 256+len(c.name)+len(c.environmentScope))
	h = append(h, `{"id":`...)
	h = strconv.AppendInt(h, int64(c.id), 10)
	h = append(h, `,"name":`...)
	h = appendJSONString(h, c.name)
	h = append(h, `,"created_at":"`...)
	h = c.createdAt.UTC().AppendFormat(h, timeLayout)
	h = append(h, `","domain":`...)
	h = appendJSONStringPtr(h, c.domain)
	h = append(h, `,"enabled":`...)
	h = strconv.AppendBool(h, c.enabled)
	h = append(h, `,"managed":`...)
	h = strconv.AppendBool(h, c.managed)
	h = append(h, `,"provider_type":`...)
	h = appendJSONString(h, c.providerType)
	h = append(h, `,"platform_type":"kubernetes","environment_scope":`...)
	h = appendJSONString(h, c.environmentScope)
	h = append(h, `,"cluster_type":"project_type","namespace_per_environment":`...)
	h = strconv.AppendBool(h, c.namespacePerEnvironment)
	c.head = append(h, `,"user":`...)

	t := make([]byte, 0, 160+len(c.apiURL)+len(ptrString(c.caCert)))
	t = append(t, `,"platform_kubernetes":{"api_url":`...)
	t = appendJSONString(t, c.apiURL)
	t = append(t, `,"namespace":`...)
	t = appendJSONStringPtr(t, c.namespace)
	t = append(t, `,"authorization_type":`...)
	t = appendJSONString(t, c.authorizationType)
	t = append(t, `,"ca_cert":`...)
	t = appendJSONStringPtr(t, c.caCert)
	t = append(t, `},"provider_gcp":`...)
	if g := c.gcp; g != nil {
		t = append(t, mustJSON(gcpEntity{ClusterID: c.id, StatusName: g.StatusName, GCPProjectID: g.GCPProjectID,
			Zone: g.Zone, MachineType: g.MachineType, NumNodes: g.NumNodes, Endpoint: g.Endpoint})...)
	} else {
		t = append(t, "null"...)
	}
	t = append(t, `,"management_project":`...)
	mp := json.RawMessage("null")
	if c.managementProjectID != nil {
		if p := st.projects[*c.managementProjectID]; p != nil {
			mp = p.identity
		}
	}
	t = append(t, mp...)
	c.tail = append(t, '}')
}

func appendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// appendJSONString quotes s as encoding/json does with HTML escaping off: control characters,
// quotes, backslashes, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// withProject renders Entities::ClusterProject: the cluster plus its project.
func withProject(c *cluster, p *project) []byte {
	out := make([]byte, 0, c.size()+len(p.details)+12)
	out = c.appendEntity(out)
	out = append(out[:len(out)-1], `,"project":`...)
	out = append(out, p.details...)
	return append(out, '}')
}

// GitLab renders times as ISO 8601 in UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string, fallback time.Time) time.Time {
	if s == "" {
		return fallback
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return fallback
}

// mustJSON renders v as Ruby's JSON does: no HTML escaping of <, > and &.
func mustJSON(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("mockserver: render %T: %v", v, err))
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
