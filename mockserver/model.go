package mockserver

import (
	"encoding/json"
	"github.com/glclusters/clustersapi/mockserver/internal/store"
	"time"

	"github.com/glclusters/clustersapi/mockserver/internal/role"
)

// Access levels, as GitLab numbers them (internal/role).
const (
	accessNone       = role.None
	accessGuest      = role.Guest
	accessReporter   = role.Reporter
	accessDeveloper  = role.Developer
	accessMaintainer = role.Maintainer
	accessOwner      = role.Owner
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

// namespace is a group or a user's namespace. Only groups have members and a visibility.
type namespace struct {
	id         int
	name       string
	path       string
	kind       string
	parentID   *int
	parent     *namespace // set once every namespace is loaded
	visibility string     // groups: private, internal or public
	members    map[int]int
	basic      json.RawMessage // Entities::BasicGroupDetails
}

func (n *namespace) isGroup() bool { return n.kind == "group" }

// fullPath is the path from the top-level group down (Route#path).
func (n *namespace) fullPath() string {
	if n.parent != nil {
		return n.parent.fullPath() + "/" + n.path
	}
	return n.path
}

// fullName is the names from the top-level group down, as GitLab joins them.
func (n *namespace) fullName() string {
	if n.parent != nil {
		return n.parent.fullName() + " / " + n.name
	}
	return n.name
}

// accessLevel is the user's role in the group: the highest of its own membership and its
// ancestors' (Group#max_member_access_for_user); admins count as owners.
func (n *namespace) accessLevel(u *user) int {
	if u == nil {
		return accessNone
	}
	if u.admin {
		return accessOwner
	}
	return n.memberLevel(u)
}

// memberLevel is the user's membership role in the group, inherited ones included, without
// the admin's implicit Owner: what GroupsFinder's min_access_level reads.
func (n *namespace) memberLevel(u *user) int {
	level := accessNone
	if u == nil {
		return level
	}
	for g := n; g != nil; g = g.parent {
		level = max(level, g.members[u.id])
	}
	return level
}

// contains says whether the group is g or one of its ancestors.
func (n *namespace) contains(g *namespace) bool {
	for ; g != nil; g = g.parent {
		if g == n {
			return true
		}
	}
	return false
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

func (p *project) fullPath() string { return p.ns.fullPath() + "/" + p.path }

// accessLevel is the user's role in the project: the highest of its project role and its role
// in any ancestor group, as GitLab's project authorizations have it; admins count as owners.
func (p *project) accessLevel(u *user) int {
	if u == nil {
		return accessNone
	}
	if u.admin {
		return accessOwner
	}
	return p.memberLevel(u)
}

// memberLevel is accessLevel without the admin's implicit Owner: the project authorizations
// GroupProjectsFinder's min_access_level reads.
func (p *project) memberLevel(u *user) int {
	if u == nil {
		return accessNone
	}
	level := p.members[u.id]
	if p.ns.isGroup() {
		level = max(level, p.ns.memberLevel(u))
	}
	return level
}

// visibleTo is GitLab's read_project: whether the user (nil: a request without a token) can
// see the project at all (else 404 Project Not Found). A public project is anyone's
// (public_project → public_access); an internal one any signed-in user's (internal_access;
// the mock has no external users); a private one its members', inherited group members
// included, and admins' (app/policies/project_policy.rb: `anonymous & ~public_project` →
// prevent_all).
func (p *project) visibleTo(u *user) bool {
	switch p.visibility {
	case "public":
		return true
	case "internal":
		return u != nil
	}
	return p.accessLevel(u) > accessNone
}

// Cluster types, as GitLab's enum names them.
const (
	projectType  = store.ProjectType
	groupType    = store.GroupType
	instanceType = store.InstanceType
)

// cluster is a cluster's working form (internal/store keeps them packed).
type cluster = store.Cluster
