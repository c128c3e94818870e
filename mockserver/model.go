package mockserver

import (
	"encoding/json"
	"time"
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
