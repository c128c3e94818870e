// Package seed is the mock's state as data (users, tokens, namespaces, projects and clusters):
// its types, read from JSON or YAML and checked, and written back as JSON.
package seed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v4"

	"github.com/glclusters/clustersapi/fixtures"
)

// Seed is the mock's whole state as data: users and their tokens, namespaces, projects with
// members, and clusters. The format is documented in fixtures/seed/README.md; it is read from
// JSON or YAML and written back as JSON, so an export can be loaded again.
type Seed struct {
	// Metadata is free-form: where the seed came from, what it could not read, what its
	// placeholders stand for (glcontract inventory --seed writes it). glmock does not use it.
	Metadata      map[string]any `json:"metadata,omitempty" yaml:"metadata,omitempty"`
	Users         []User         `json:"users" yaml:"users"`
	Tokens        []Token        `json:"tokens" yaml:"tokens"`
	Namespaces    []Namespace    `json:"namespaces" yaml:"namespaces"`
	Projects      []Project      `json:"projects" yaml:"projects"`
	Clusters      []Cluster      `json:"clusters" yaml:"clusters"`
	NextClusterID int            `json:"next_cluster_id" yaml:"next_cluster_id"`
}

// User is a GitLab user; Admin makes it an instance administrator.
type User struct {
	ID       int    `json:"id" yaml:"id"`
	Username string `json:"username" yaml:"username"`
	Name     string `json:"name" yaml:"name"`
	Admin    bool   `json:"admin,omitempty" yaml:"admin,omitempty"`
	State    string `json:"state,omitempty" yaml:"state,omitempty"`
}

// Token is a personal access token with its scopes (api, read_api, sudo).
type Token struct {
	Token  string   `json:"token" yaml:"token"`
	UserID int      `json:"user_id" yaml:"user_id"`
	Scopes []string `json:"scopes" yaml:"scopes"`
}

// Namespace is a group or a user namespace. A group has a visibility (private by default)
// and members, whose roles its subgroups and projects inherit.
type Namespace struct {
	ID         int      `json:"id" yaml:"id"`
	Name       string   `json:"name" yaml:"name"`
	Path       string   `json:"path" yaml:"path"`
	Kind       string   `json:"kind,omitempty" yaml:"kind,omitempty"`
	ParentID   *int     `json:"parent_id,omitempty" yaml:"parent_id,omitempty"`
	Visibility string   `json:"visibility,omitempty" yaml:"visibility,omitempty"`
	Members    []Member `json:"members,omitempty" yaml:"members,omitempty"`
}

// Project is a project in a namespace, with its visibility and members.
type Project struct {
	ID          int      `json:"id" yaml:"id"`
	Name        string   `json:"name" yaml:"name"`
	Path        string   `json:"path" yaml:"path"`
	NamespaceID int      `json:"namespace_id" yaml:"namespace_id"`
	Visibility  string   `json:"visibility" yaml:"visibility"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	CreatedAt   string   `json:"created_at,omitempty" yaml:"created_at,omitempty"`
	Members     []Member `json:"members" yaml:"members"`
}

// Member gives a user a role in a project or a group: guest, reporter, developer, maintainer or owner.
type Member struct {
	UserID int    `json:"user_id" yaml:"user_id"`
	Role   string `json:"role" yaml:"role"`
}

// Cluster is a stored cluster, token included. ClusterType is project_type (the default,
// with ProjectID), group_type (with GroupID) or instance_type (with neither).
type Cluster struct {
	ID                      int          `json:"id" yaml:"id"`
	ClusterType             string       `json:"cluster_type,omitempty" yaml:"cluster_type,omitempty"`
	ProjectID               int          `json:"project_id,omitempty" yaml:"project_id,omitempty"`
	GroupID                 int          `json:"group_id,omitempty" yaml:"group_id,omitempty"`
	Name                    string       `json:"name" yaml:"name"`
	Domain                  *string      `json:"domain,omitempty" yaml:"domain,omitempty"`
	Enabled                 bool         `json:"enabled" yaml:"enabled"`
	Managed                 bool         `json:"managed" yaml:"managed"`
	ProviderType            string       `json:"provider_type,omitempty" yaml:"provider_type,omitempty"`
	EnvironmentScope        string       `json:"environment_scope" yaml:"environment_scope"`
	NamespacePerEnvironment bool         `json:"namespace_per_environment" yaml:"namespace_per_environment"`
	UserID                  int          `json:"user_id" yaml:"user_id"`
	ManagementProjectID     *int         `json:"management_project_id,omitempty" yaml:"management_project_id,omitempty"`
	CreatedAt               string       `json:"created_at" yaml:"created_at"`
	UpdatedAt               string       `json:"updated_at,omitempty" yaml:"updated_at,omitempty"`
	Platform                Platform     `json:"platform_kubernetes" yaml:"platform_kubernetes"`
	ProviderGCP             *ProviderGCP `json:"provider_gcp,omitempty" yaml:"provider_gcp,omitempty"`
}

// Platform is a cluster's Kubernetes platform.
type Platform struct {
	APIURL            string  `json:"api_url" yaml:"api_url"`
	Token             string  `json:"token" yaml:"token"`
	CACert            *string `json:"ca_cert,omitempty" yaml:"ca_cert,omitempty"`
	Namespace         *string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	AuthorizationType string  `json:"authorization_type,omitempty" yaml:"authorization_type,omitempty"`
}

// ProviderGCP describes a cluster GitLab created on GKE (provider_type gcp).
type ProviderGCP struct {
	GCPProjectID string `json:"gcp_project_id" yaml:"gcp_project_id"`
	Zone         string `json:"zone" yaml:"zone"`
	MachineType  string `json:"machine_type" yaml:"machine_type"`
	NumNodes     int    `json:"num_nodes" yaml:"num_nodes"`
	StatusName   string `json:"status_name" yaml:"status_name"`
	Endpoint     string `json:"endpoint" yaml:"endpoint"`
}

// Error says what is wrong with a seed, and where.
type Error struct {
	Where string // e.g. "clusters[1].project_id"
	Msg   string
}

func (e *Error) Error() string { return "seed: " + e.Where + ": " + e.Msg }

// Default returns a fresh copy of the embedded default seed (fixtures/seed/default.json).
func Default() *Seed {
	raw, err := fixtures.FS.ReadFile("seed/default.json")
	if err != nil {
		panic("seed: default seed missing: " + err.Error())
	}
	s, err := Parse(raw)
	if err != nil {
		panic("seed: default seed invalid: " + err.Error())
	}
	return s
}

// Load reads a seed file and checks it, as Read does; an Error names the file.
func Load(path string) (*Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := Read(f)
	if err != nil {
		var se *Error
		if !errors.As(err, &se) { // a read error
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return s, nil
}

// Parse decodes a JSON or YAML seed and checks that it is consistent.
func Parse(raw []byte) (*Seed, error) {
	return Read(bytes.NewReader(raw))
}

// ErrYAMLTooLarge is a YAML seed beyond ReadLimited's bound.
var ErrYAMLTooLarge = errors.New("YAML seed too large")

// Read decodes a JSON or YAML seed from r, fills in its defaults (WithDefaults) and checks it
// (Check). JSON is decoded as it is read, a cluster at a time; YAML is read whole first.
func Read(r io.Reader) (*Seed, error) { return ReadLimited(r, -1) }

// ReadLimited is Read with YAML read yamlMax bytes at most (negative: no bound; beyond it,
// ErrYAMLTooLarge). JSON is what the first non-space byte, a '{', says it is; anything else is
// YAML. An error of the reader's (a size limit, I/O) is returned as it is; what is wrong
// with the seed is an *Error.
func ReadLimited(r io.Reader, yamlMax int64) (*Seed, error) {
	tr := &readErrors{r: r}
	br := bufio.NewReaderSize(tr, 64<<10)
	first, err := firstNonSpace(br)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var s *Seed
	if first == '{' {
		if s, err = decodeJSON(br); err != nil {
			if tr.err != nil { // not the seed's fault: the reader's (a size limit, I/O)
				return nil, tr.err
			}
			return nil, &Error{Where: "json", Msg: err.Error()}
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
			return nil, ErrYAMLTooLarge
		}
		s = &Seed{}
		dec := yaml.NewDecoder(bytes.NewReader(bytes.TrimSpace(raw)))
		dec.KnownFields(true)
		if err := dec.Decode(s); err != nil {
			return nil, &Error{Where: "yaml", Msg: err.Error()}
		}
	}
	s.WithDefaults()
	if err := s.Check(); err != nil {
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

// WithDefaults fills what a seed may leave out: next_cluster_id, by default one above the
// highest cluster id. Read calls it before Check, and so should anyone checking a Seed built
// in Go.
func (s *Seed) WithDefaults() {
	if s.NextClusterID != 0 {
		return
	}
	maxID := 0
	for _, c := range s.Clusters {
		maxID = max(maxID, c.ID)
	}
	s.NextClusterID = maxID + 1
}

// Compact keeps the seed as gzipped JSON and returns a function that parses it again, a
// fresh copy each call: a seed of 100,000 clusters takes a few megabytes this way instead of
// tens. Both ways stream, so a large seed is never also held as one JSON document. The seed
// must have passed Check.
func (s *Seed) Compact() func() *Seed {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level
	s.writeJSON(zw, true, 0, nil)                      // writes to memory do not fail
	zw.Close()
	packed := buf.Bytes()
	return func() *Seed {
		zr, err := gzip.NewReader(bytes.NewReader(packed))
		if err != nil {
			panic("seed: compact seed: " + err.Error())
		}
		seed, err := Read(zr)
		if err != nil {
			panic("seed: compact seed: " + err.Error())
		}
		return seed
	}
}
