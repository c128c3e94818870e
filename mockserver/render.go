package mockserver

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/glclusters/clustersapi/mockserver/internal/store"
	"net/url"
	"strconv"
)

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

// userBasic is Entities::UserBasic of u, its web_url under base (GitLab's URL).
func userBasic(u *user, base string) userBasicEntity {
	sum := md5.Sum([]byte(u.username + "@example.com"))
	avatar := "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=80&d=identicon"
	return userBasicEntity{ID: u.id, Username: u.username, Name: u.name, State: u.state,
		Locked: u.state == "blocked", AvatarURL: &avatar, WebURL: base + "/" + u.username}
}

// renderUser is u's Entities::UserBasic as JSON, rendered once when the state is built.
func (st *state) renderUser(u *user) json.RawMessage { return mustJSON(userBasic(u, st.external)) }

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

// projectDetailsEntity is Entities::BasicProjectDetails (lib/api/entities/basic_project_details.rb):
// default_branch, readme_url and forks_count only for callers who can read the code (nil
// here: left out).
type projectDetailsEntity struct {
	projectIdentityEntity
	DefaultBranch  *string         `json:"default_branch,omitempty"`
	TagList        []string        `json:"tag_list"`
	Topics         []string        `json:"topics"`
	SSHURLToRepo   string          `json:"ssh_url_to_repo"`
	HTTPURLToRepo  string          `json:"http_url_to_repo"`
	WebURL         string          `json:"web_url"`
	ReadmeURL      json.RawMessage `json:"readme_url,omitempty"`
	ForksCount     *int            `json:"forks_count,omitempty"`
	AvatarURL      *string         `json:"avatar_url"`
	StarCount      int             `json:"star_count"`
	LastActivityAt string          `json:"last_activity_at"`
	Namespace      namespaceEntity `json:"namespace"`
}

// renderProject renders the project's Entities::BasicProjectDetails (for a caller who can read
// its code) and Entities::ProjectIdentity once, when the state is built.
func (st *state) renderProject(p *project) (details, identity json.RawMessage) {
	d := st.projectDetails(p, true)
	return mustJSON(d), mustJSON(d.projectIdentityEntity)
}

// projectDetails is the project's Entities::BasicProjectDetails; readCode says whether the
// caller can read its code (the repository is empty: readme_url is null, forks_count 0).
func (st *state) projectDetails(p *project, readCode bool) projectDetailsEntity {
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
		NameWithNamespace: p.ns.fullName() + " / " + p.name, Path: p.path, PathWithNamespace: p.fullPath(),
		CreatedAt: store.FormatTime(p.createdAt)}
	d := projectDetailsEntity{
		projectIdentityEntity: id, TagList: []string{}, Topics: []string{},
		SSHURLToRepo:  "git@" + host + ":" + p.fullPath() + ".git",
		HTTPURLToRepo: st.external + "/" + p.fullPath() + ".git", WebURL: st.external + "/" + p.fullPath(),
		LastActivityAt: store.FormatTime(p.createdAt),
		Namespace:      st.namespaceBasic(p.ns),
	}
	if readCode {
		branch, forks := "main", 0 // default_branch_or_main of an empty repository
		d.DefaultBranch, d.ReadmeURL, d.ForksCount = &branch, json.RawMessage("null"), &forks
	}
	return d
}

// namespaceBasic is Entities::NamespaceBasic: a group's web_url is /groups/<full path>, a
// user namespace's the user's profile.
func (st *state) namespaceBasic(n *namespace) namespaceEntity {
	e := namespaceEntity{ID: n.id, Name: n.name, Path: n.path, Kind: n.kind, FullPath: n.fullPath(),
		ParentID: n.parentID, WebURL: st.external + "/groups/" + n.fullPath()}
	if n.kind == "user" {
		e.WebURL = st.external + "/" + n.path
	}
	return e
}

type basicGroupEntity struct {
	ID     int    `json:"id"`
	WebURL string `json:"web_url"`
	Name   string `json:"name"`
}

// renderGroup renders Entities::BasicGroupDetails; a group's web_url is /groups/<full path>
// (Gitlab::UrlBuilder, as the groups API's examples show).
func (st *state) renderGroup(g *namespace) json.RawMessage {
	return mustJSON(basicGroupEntity{ID: g.id, WebURL: st.external + "/groups/" + g.fullPath(), Name: g.name})
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

// appendWithProject appends Entities::ClusterProject: the cluster plus its project.
func (st *state) appendWithProject(out []byte, c store.Packed, p *project) []byte {
	out = st.appendEntity(out, c)
	out = append(out[:len(out)-1], `,"project":`...)
	out = append(out, p.details...)
	return append(out, '}')
}

// appendWithGroup appends Entities::ClusterGroup: the cluster plus its group.
func (st *state) appendWithGroup(out []byte, c store.Packed, g *namespace) []byte {
	out = st.appendEntity(out, c)
	out = append(out[:len(out)-1], `,"group":`...)
	out = append(out, g.basic...)
	return append(out, '}')
}

// appendWithNullProject appends what the instance clusters edit answers: Entities::ClusterProject
// for a cluster without a project, so `"project":null` after the cluster's keys.
func (st *state) appendWithNullProject(out []byte, c store.Packed) []byte {
	out = st.appendEntity(out, c)
	out = append(out[:len(out)-1], `,"project":null`...)
	return append(out, '}')
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

// appendEntity appends the cluster's Entities::Cluster (GitLab's field order), with its user's
// and management project's JSON, which st renders once. Written by hand: every list item and
// every create and update pays for it. The token is not part of it, by construction.
// render_internal_test.go checks it against encoding/json.
func (st *state) appendEntity(b []byte, p store.Packed) []byte {
	var v store.View
	p.Decode(&v)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(v.ID), 10)
	b = append(b, `,"name":`...)
	b = appendQuoted(b, v.Name)
	b = append(b, `,"created_at":`...)
	b = appendQuoted(b, v.Created)
	b = append(b, `,"domain":`...)
	b = appendOptString(b, v.Flags&store.FlagDomain != 0, v.Domain)
	b = append(b, `,"enabled":`...)
	b = strconv.AppendBool(b, v.Flags&store.FlagEnabled != 0)
	b = append(b, `,"managed":`...)
	b = strconv.AppendBool(b, v.Flags&store.FlagManaged != 0)
	b = append(b, `,"provider_type":`...)
	b = appendQuoted(b, v.Provider)
	b = append(b, `,"platform_type":"kubernetes","environment_scope":`...)
	b = appendQuoted(b, v.Scope)
	b = append(b, `,"cluster_type":"`...)
	b = append(b, store.Kinds[v.Kind]...)
	b = append(b, `","namespace_per_environment":`...)
	b = strconv.AppendBool(b, v.Flags&store.FlagNamespacePerEnvironment != 0)
	b = append(b, `,"user":`...)
	if u := st.users[v.UserID]; u != nil {
		b = append(b, u.basic...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"platform_kubernetes":{"api_url":`...)
	b = appendQuoted(b, v.APIURL)
	b = append(b, `,"namespace":`...)
	b = appendOptString(b, v.Flags&store.FlagNamespace != 0, v.Namespace)
	b = append(b, `,"authorization_type":`...)
	b = appendQuoted(b, v.Authorization)
	b = append(b, `,"ca_cert":`...)
	b = appendOptString(b, v.Flags&store.FlagCACert != 0, v.CACert)
	b = append(b, `},"provider_gcp":`...)
	if v.Flags&store.FlagGCP != 0 {
		b = append(b, mustJSON(gcpEntity{ClusterID: v.ID, StatusName: v.GCPState, GCPProjectID: v.GCPProject,
			Zone: v.Zone, MachineType: v.Machine, NumNodes: v.NumNodes, Endpoint: v.Endpoint})...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"management_project":`...)
	if p := st.projects[v.Management]; v.Flags&store.FlagManagement != 0 && p != nil {
		b = append(b, p.identity...)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

// appendQuoted appends an escaped string in quotes.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendOptString(b []byte, ok bool, s string) []byte {
	if !ok {
		return append(b, "null"...)
	}
	return appendQuoted(b, s)
}
