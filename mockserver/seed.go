package mockserver

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/glclusters/clustersapi/fixtures"
	"github.com/glclusters/clustersapi/mockserver/internal/role"
)

// Seed is the mock's whole state as data: users and their tokens, namespaces, projects with
// members, and clusters. The format is documented in fixtures/seed/README.md; it is read from
// JSON or YAML and written back as JSON, so an export can be loaded again.
type Seed struct {
	Users         []SeedUser      `json:"users" yaml:"users"`
	Tokens        []SeedToken     `json:"tokens" yaml:"tokens"`
	Namespaces    []SeedNamespace `json:"namespaces" yaml:"namespaces"`
	Projects      []SeedProject   `json:"projects" yaml:"projects"`
	Clusters      []SeedCluster   `json:"clusters" yaml:"clusters"`
	NextClusterID int             `json:"next_cluster_id" yaml:"next_cluster_id"`
}

// SeedUser is a GitLab user; Admin makes it an instance administrator.
type SeedUser struct {
	ID       int    `json:"id" yaml:"id"`
	Username string `json:"username" yaml:"username"`
	Name     string `json:"name" yaml:"name"`
	Admin    bool   `json:"admin,omitempty" yaml:"admin,omitempty"`
	State    string `json:"state,omitempty" yaml:"state,omitempty"`
}

// SeedToken is a personal access token with its scopes (api, read_api, sudo).
type SeedToken struct {
	Token  string   `json:"token" yaml:"token"`
	UserID int      `json:"user_id" yaml:"user_id"`
	Scopes []string `json:"scopes" yaml:"scopes"`
}

// SeedNamespace is a group or a user namespace. A group has a visibility (private by default)
// and members, whose roles its subgroups and projects inherit.
type SeedNamespace struct {
	ID         int          `json:"id" yaml:"id"`
	Name       string       `json:"name" yaml:"name"`
	Path       string       `json:"path" yaml:"path"`
	Kind       string       `json:"kind,omitempty" yaml:"kind,omitempty"`
	ParentID   *int         `json:"parent_id,omitempty" yaml:"parent_id,omitempty"`
	Visibility string       `json:"visibility,omitempty" yaml:"visibility,omitempty"`
	Members    []SeedMember `json:"members,omitempty" yaml:"members,omitempty"`
}

// SeedProject is a project in a namespace, with its visibility and members.
type SeedProject struct {
	ID          int          `json:"id" yaml:"id"`
	Name        string       `json:"name" yaml:"name"`
	Path        string       `json:"path" yaml:"path"`
	NamespaceID int          `json:"namespace_id" yaml:"namespace_id"`
	Visibility  string       `json:"visibility" yaml:"visibility"`
	Description string       `json:"description,omitempty" yaml:"description,omitempty"`
	CreatedAt   string       `json:"created_at,omitempty" yaml:"created_at,omitempty"`
	Members     []SeedMember `json:"members" yaml:"members"`
}

// SeedMember gives a user a role in a project or a group: guest, reporter, developer, maintainer or owner.
type SeedMember struct {
	UserID int    `json:"user_id" yaml:"user_id"`
	Role   string `json:"role" yaml:"role"`
}

// SeedCluster is a stored cluster, token included. ClusterType is project_type (the default,
// with ProjectID), group_type (with GroupID) or instance_type (with neither).
type SeedCluster struct {
	ID                      int              `json:"id" yaml:"id"`
	ClusterType             string           `json:"cluster_type,omitempty" yaml:"cluster_type,omitempty"`
	ProjectID               int              `json:"project_id,omitempty" yaml:"project_id,omitempty"`
	GroupID                 int              `json:"group_id,omitempty" yaml:"group_id,omitempty"`
	Name                    string           `json:"name" yaml:"name"`
	Domain                  *string          `json:"domain,omitempty" yaml:"domain,omitempty"`
	Enabled                 bool             `json:"enabled" yaml:"enabled"`
	Managed                 bool             `json:"managed" yaml:"managed"`
	ProviderType            string           `json:"provider_type,omitempty" yaml:"provider_type,omitempty"`
	EnvironmentScope        string           `json:"environment_scope" yaml:"environment_scope"`
	NamespacePerEnvironment bool             `json:"namespace_per_environment" yaml:"namespace_per_environment"`
	UserID                  int              `json:"user_id" yaml:"user_id"`
	ManagementProjectID     *int             `json:"management_project_id,omitempty" yaml:"management_project_id,omitempty"`
	CreatedAt               string           `json:"created_at" yaml:"created_at"`
	UpdatedAt               string           `json:"updated_at,omitempty" yaml:"updated_at,omitempty"`
	Platform                SeedPlatform     `json:"platform_kubernetes" yaml:"platform_kubernetes"`
	ProviderGCP             *SeedProviderGCP `json:"provider_gcp,omitempty" yaml:"provider_gcp,omitempty"`
}

// SeedPlatform is a cluster's Kubernetes platform.
type SeedPlatform struct {
	APIURL            string  `json:"api_url" yaml:"api_url"`
	Token             string  `json:"token" yaml:"token"`
	CACert            *string `json:"ca_cert,omitempty" yaml:"ca_cert,omitempty"`
	Namespace         *string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	AuthorizationType string  `json:"authorization_type,omitempty" yaml:"authorization_type,omitempty"`
}

// SeedProviderGCP describes a cluster GitLab created on GKE (provider_type gcp).
type SeedProviderGCP struct {
	GCPProjectID string `json:"gcp_project_id" yaml:"gcp_project_id"`
	Zone         string `json:"zone" yaml:"zone"`
	MachineType  string `json:"machine_type" yaml:"machine_type"`
	NumNodes     int    `json:"num_nodes" yaml:"num_nodes"`
	StatusName   string `json:"status_name" yaml:"status_name"`
	Endpoint     string `json:"endpoint" yaml:"endpoint"`
}

// SeedError says what is wrong with a seed, and where.
type SeedError struct {
	Where string // e.g. "clusters[1].project_id"
	Msg   string
}

func (e *SeedError) Error() string { return "seed: " + e.Where + ": " + e.Msg }

// DefaultSeed returns a fresh copy of the embedded default seed (fixtures/seed/default.json).
func DefaultSeed() *Seed {
	raw, err := fixtures.FS.ReadFile("seed/default.json")
	if err != nil {
		panic("mockserver: default seed missing: " + err.Error())
	}
	s, err := ParseSeed(raw)
	if err != nil {
		panic("mockserver: default seed invalid: " + err.Error())
	}
	return s
}

// LoadSeed reads a seed file, JSON or YAML (by extension; anything else is sniffed). JSON is
// decoded as it is read (see decodeSeedJSON).
func LoadSeed(path string) (*Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := readSeed(f)
	if err != nil {
		var se *SeedError
		if !errors.As(err, &se) { // a read error
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return s, nil
}

// ParseSeed decodes a JSON or YAML seed and checks that it is consistent.
func ParseSeed(raw []byte) (*Seed, error) {
	return readSeed(bytes.NewReader(raw))
}

// errYAMLTooLarge is a YAML seed beyond readSeedLimited's bound.
var errYAMLTooLarge = errors.New("YAML seed too large")

func readSeed(r io.Reader) (*Seed, error) { return readSeedLimited(r, -1) }

// readSeedLimited decodes a JSON or YAML seed from r and checks it. JSON (the first non-space
// byte a '{') is decoded as it is read; YAML is read whole first, yamlMax bytes at most
// (negative: no bound).
func readSeedLimited(r io.Reader, yamlMax int64) (*Seed, error) {
	tr := &readErrors{r: r}
	br := bufio.NewReaderSize(tr, 64<<10)
	first, err := firstNonSpace(br)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var s *Seed
	if first == '{' {
		if s, err = decodeSeedJSON(br); err != nil {
			if tr.err != nil { // not the seed's fault: the reader's (a size limit, I/O)
				return nil, tr.err
			}
			return nil, &SeedError{Where: "json", Msg: err.Error()}
		}
	} else {
		var in io.Reader = br
		if yamlMax >= 0 {
			in = io.LimitReader(br, yamlMax+1)
		}
		raw, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		if yamlMax >= 0 && int64(len(raw)) > yamlMax {
			return nil, errYAMLTooLarge
		}
		s = &Seed{}
		dec := yaml.NewDecoder(bytes.NewReader(bytes.TrimSpace(raw)))
		dec.KnownFields(true)
		if err := dec.Decode(s); err != nil {
			return nil, &SeedError{Where: "yaml", Msg: err.Error()}
		}
	}
	s.withDefaults()
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// readErrors remembers the first error other than io.EOF that r returned.
type readErrors struct {
	r   io.Reader
	err error
}

func (t *readErrors) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// firstNonSpace skips white space and peeks at the byte after it.
func firstNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return b, br.UnreadByte()
	}
}

// JSON renders the seed as indented JSON.
func (s *Seed) JSON() []byte {
	var b bytes.Buffer
	s.writeJSON(&b, false, 0, nil) // a bytes.Buffer does not fail
	return b.Bytes()
}

// withDefaults fills what a seed may leave out: next_cluster_id, by default one above the
// highest cluster id. New, Reset and ParseSeed call it before check.
func (s *Seed) withDefaults() {
	if s.NextClusterID != 0 {
		return
	}
	maxID := 0
	for _, c := range s.Clusters {
		maxID = max(maxID, c.ID)
	}
	s.NextClusterID = maxID + 1
}

// check reports the first inconsistency: duplicate ids, dangling references, bad values. It
// checks the tables in the order of the file, and does not change the seed.
func (s *Seed) check() error {
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
	maxID, err := s.checkClusters(users, projects, groups)
	if err != nil {
		return err
	}
	if s.NextClusterID <= maxID {
		return &SeedError{"next_cluster_id", fmt.Sprintf("must be above the highest cluster id %d", maxID)}
	}
	return nil
}

// seedIDs holds the ids of one table seen so far.
type seedIDs map[int]bool

// add refuses an id that is not positive or that the table already has.
func (seen seedIDs) add(where string, id int) error {
	if id <= 0 || seen[id] {
		return &SeedError{where + ".id", "must be a positive, unique id"}
	}
	seen[id] = true
	return nil
}

// checkRFC3339 refuses a timestamp that is not RFC 3339.
func checkRFC3339(where func() string, field, v string) error {
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return &SeedError{where() + field, "must be RFC 3339"}
	}
	return nil
}

func (s *Seed) checkUsers() (seedIDs, error) {
	users := seedIDs{}
	for i, u := range s.Users {
		where := fmt.Sprintf("users[%d]", i)
		if err := users.add(where, u.ID); err != nil {
			return nil, err
		}
		if strings.TrimSpace(u.Username) == "" {
			return nil, &SeedError{where + ".username", "is missing"}
		}
	}
	return users, nil
}

func (s *Seed) checkTokens(users seedIDs) error {
	tokens := map[string]bool{}
	for i, t := range s.Tokens {
		where := fmt.Sprintf("tokens[%d]", i)
		if t.Token == "" || tokens[t.Token] {
			return &SeedError{where + ".token", "must be non-empty and unique"}
		}
		if !users[t.UserID] {
			return &SeedError{where + ".user_id", fmt.Sprintf("no user %d", t.UserID)}
		}
		for _, sc := range t.Scopes {
			if sc != "api" && sc != "read_api" && sc != "sudo" {
				return &SeedError{where + ".scopes", fmt.Sprintf("unknown scope %q (api, read_api, sudo)", sc)}
			}
		}
		tokens[t.Token] = true
	}
	return nil
}

// checkNamespaces checks the namespaces and returns their ids and the groups' ids.
func (s *Seed) checkNamespaces(users seedIDs) (namespaces, groups seedIDs, err error) {
	namespaces, groups = seedIDs{}, seedIDs{}
	for i, n := range s.Namespaces {
		where := fmt.Sprintf("namespaces[%d]", i)
		if err := namespaces.add(where, n.ID); err != nil {
			return nil, nil, err
		}
		if n.Path == "" || strings.Contains(n.Path, "/") {
			return nil, nil, &SeedError{where + ".path", "must be one non-empty path segment"}
		}
		switch n.Kind {
		case "", "group":
			groups[n.ID] = true
		case "user":
			if n.Visibility != "" || len(n.Members) > 0 || n.ParentID != nil {
				return nil, nil, &SeedError{where, "a user namespace has no visibility, members or parent"}
			}
		default:
			return nil, nil, &SeedError{where + ".kind", "must be group or user"}
		}
		switch n.Visibility {
		case "", "private", "internal", "public":
		default:
			return nil, nil, &SeedError{where + ".visibility", "must be private, internal or public"}
		}
		if err := checkMembers(where, n.Members, users); err != nil {
			return nil, nil, err
		}
	}
	return namespaces, groups, s.checkParents(groups)
}

// checkParents refuses a parent that is not a group, and a group that is its own ancestor.
func (s *Seed) checkParents(groups seedIDs) error {
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
			return &SeedError{where, fmt.Sprintf("no group %d", *n.ParentID)}
		}
		full := strings.ToLower(n.Path)
		for id, steps := n.ID, 0; parent[id] != 0; id, steps = parent[id], steps+1 {
			if steps > len(s.Namespaces) {
				return &SeedError{where, "makes the group its own ancestor"}
			}
			full = fmt.Sprint(parent[id]) + "/" + full
		}
		if paths[full] {
			return &SeedError{fmt.Sprintf("namespaces[%d].path", i), "duplicates another namespace's path"}
		}
		paths[full] = true
	}
	return nil
}

func (s *Seed) checkProjects(users, namespaces seedIDs) (seedIDs, error) {
	projects := seedIDs{}
	paths := map[string]bool{}
	for i, p := range s.Projects {
		where := fmt.Sprintf("projects[%d]", i)
		if err := projects.add(where, p.ID); err != nil {
			return nil, err
		}
		if p.Path == "" || strings.Contains(p.Path, "/") {
			return nil, &SeedError{where + ".path", "must be one non-empty path segment"}
		}
		if !namespaces[p.NamespaceID] {
			return nil, &SeedError{where + ".namespace_id", fmt.Sprintf("no namespace %d", p.NamespaceID)}
		}
		key := fmt.Sprintf("%d/%s", p.NamespaceID, strings.ToLower(p.Path))
		if paths[key] {
			return nil, &SeedError{where + ".path", "duplicates another project's path"}
		}
		paths[key] = true
		switch p.Visibility {
		case "private", "internal", "public":
		default:
			return nil, &SeedError{where + ".visibility", "must be private, internal or public"}
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

func checkMembers(where string, members []SeedMember, users seedIDs) error {
	for j, m := range members {
		if !users[m.UserID] {
			return &SeedError{fmt.Sprintf("%s.members[%d].user_id", where, j), fmt.Sprintf("no user %d", m.UserID)}
		}
		if _, ok := role.ByName(m.Role); !ok {
			return &SeedError{fmt.Sprintf("%s.members[%d].role", where, j), "must be guest, reporter, developer, maintainer or owner"}
		}
	}
	return nil
}

// checkClusters checks the clusters and returns the highest cluster id. It builds no string
// for a cluster that is fine: a seed may hold a million.
func (s *Seed) checkClusters(users, projects, groups seedIDs) (maxID int, err error) {
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
			return 0, &SeedError{where() + ".id", "must be a positive, unique id"}
		}
		clusters[c.ID] = struct{}{}
		if err := checkCluster(where, c, users, projects, groups); err != nil {
			return 0, err
		}
		scope := scopeOf{c.ClusterType, c.ProjectID, c.GroupID, c.EnvironmentScope}
		if _, dup := scopes[scope]; dup {
			return 0, &SeedError{where() + ".environment_scope", "duplicates another cluster's scope in its project, group or instance"}
		}
		scopes[scope] = struct{}{}
		maxID = max(maxID, c.ID)
	}
	return maxID, nil
}

// checkCluster checks one cluster's references and values.
func checkCluster(where func() string, c *SeedCluster, users, projects, groups seedIDs) error {
	switch c.ClusterType {
	case "", "project_type":
		if !projects[c.ProjectID] {
			return &SeedError{where() + ".project_id", fmt.Sprintf("no project %d", c.ProjectID)}
		}
		if c.GroupID != 0 {
			return &SeedError{where() + ".group_id", "only for a group_type cluster"}
		}
	case "group_type":
		if !groups[c.GroupID] {
			return &SeedError{where() + ".group_id", fmt.Sprintf("no group %d", c.GroupID)}
		}
		if c.ProjectID != 0 {
			return &SeedError{where() + ".project_id", "only for a project_type cluster"}
		}
	case "instance_type":
		if c.ProjectID != 0 || c.GroupID != 0 {
			return &SeedError{where(), "an instance_type cluster has no project_id or group_id"}
		}
	default:
		return &SeedError{where() + ".cluster_type", "must be project_type, group_type or instance_type"}
	}
	if !users[c.UserID] {
		return &SeedError{where() + ".user_id", fmt.Sprintf("no user %d", c.UserID)}
	}
	if c.ManagementProjectID != nil && !projects[*c.ManagementProjectID] {
		return &SeedError{where() + ".management_project_id", fmt.Sprintf("no project %d", *c.ManagementProjectID)}
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
		return &SeedError{where() + ".provider_type", "must be user, gcp or aws"}
	}
	switch c.Platform.AuthorizationType {
	case "", "rbac", "abac", "unknown_authorization":
	default:
		return &SeedError{where() + ".platform_kubernetes.authorization_type", "must be rbac, abac or unknown_authorization"}
	}
	return nil
}

// compactSeed keeps a seed as gzipped JSON and returns a function that parses it again: a
// seed of 100,000 clusters takes a few megabytes this way instead of tens. Both ways stream,
// so a large seed is never also held as one JSON document.
func compactSeed(s *Seed) func() *Seed {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level
	s.writeJSON(zw, true, 0, nil)                      // writes to memory do not fail
	zw.Close()
	packed := buf.Bytes()
	return func() *Seed {
		zr, err := gzip.NewReader(bytes.NewReader(packed))
		if err != nil {
			panic("mockserver: compact seed: " + err.Error())
		}
		seed, err := readSeed(zr)
		if err != nil {
			panic("mockserver: compact seed: " + err.Error())
		}
		return seed
	}
}
