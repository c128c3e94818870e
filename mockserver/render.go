package mockserver

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
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
		NameWithNamespace: p.ns.fullName() + " / " + p.name, Path: p.path, PathWithNamespace: p.fullPath(),
		CreatedAt: formatTime(p.createdAt)}
	branch := "main"
	d := projectDetailsEntity{
		projectIdentityEntity: id, DefaultBranch: &branch, TagList: []string{}, Topics: []string{},
		SSHURLToRepo:  "git@" + host + ":" + p.fullPath() + ".git",
		HTTPURLToRepo: st.external + "/" + p.fullPath() + ".git", WebURL: st.external + "/" + p.fullPath(),
		LastActivityAt: formatTime(p.createdAt),
		Namespace: namespaceEntity{ID: p.ns.id, Name: p.ns.name, Path: p.ns.path, Kind: p.ns.kind,
			FullPath: p.ns.fullPath(), ParentID: p.ns.parentID, WebURL: st.external + "/groups/" + p.ns.fullPath()},
	}
	if p.ns.kind == "user" {
		d.Namespace.WebURL = st.external + "/" + p.ns.path
	}
	return mustJSON(d), mustJSON(id)
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
func (st *state) appendWithProject(out []byte, c Packed, p *project) []byte {
	out = st.appendEntity(out, c)
	out = append(out[:len(out)-1], `,"project":`...)
	out = append(out, p.details...)
	return append(out, '}')
}

// appendWithGroup appends Entities::ClusterGroup: the cluster plus its group.
func (st *state) appendWithGroup(out []byte, c Packed, g *namespace) []byte {
	out = st.appendEntity(out, c)
	out = append(out[:len(out)-1], `,"group":`...)
	out = append(out, g.basic...)
	return append(out, '}')
}

// appendWithNullProject appends what the instance clusters edit answers: Entities::ClusterProject
// for a cluster without a project, so `"project":null` after the cluster's keys.
func (st *state) appendWithNullProject(out []byte, c Packed) []byte {
	out = st.appendEntity(out, c)
	out = append(out[:len(out)-1], `,"project":null`...)
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
