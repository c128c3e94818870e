// Package store keeps the mock's clusters: each one packed into a string, in id order per owner, with the environment-scope index and the next id; only a transaction (Table.Update) changes them, and a change is kept only once the state file has it.
package store

import (
	"time"

	"github.com/glclusters/clustersapi/mockserver/internal/seed"
)

// Cluster types, as GitLab's enum names them.
const (
	ProjectType  = "project_type"
	GroupType    = "group_type"
	InstanceType = "instance_type"
)

// Owner is what a cluster belongs to: a project, a group, or (ID 0) the instance.
type Owner struct {
	Kind string // ProjectType, GroupType or InstanceType
	ID   int
}

// Cluster is a cluster being created, updated or deleted: the working form of a stored
// (Packed) cluster, which is never changed in place; an update packs a new one and swaps it in.
type Cluster struct {
	ID                      int
	Type                    string
	ProjectID               int // project clusters
	GroupID                 int // group clusters
	Name                    string
	Domain                  *string
	Enabled                 bool
	Managed                 bool
	ProviderType            string
	EnvironmentScope        string
	NamespacePerEnvironment bool
	UserID                  int
	ManagementProjectID     *int
	CreatedAt               time.Time
	UpdatedAt               time.Time
	APIURL                  string
	Token                   string
	CACert                  *string
	Namespace               *string
	AuthorizationType       string
	GCP                     *seed.ProviderGCP
}

// Owner is the project, group or instance the cluster belongs to.
func (c *Cluster) Owner() Owner {
	switch c.Type {
	case GroupType:
		return Owner{GroupType, c.GroupID}
	case InstanceType:
		return Owner{InstanceType, 0}
	}
	return Owner{ProjectType, c.ProjectID}
}

// FromSeed is a seed's cluster in the working form, the seed format's defaults applied.
func FromSeed(sc *seed.Cluster) *Cluster {
	c := &Cluster{
		ID: sc.ID, Type: orDefault(sc.ClusterType, ProjectType), ProjectID: sc.ProjectID, GroupID: sc.GroupID, Name: sc.Name,
		Domain: sc.Domain, Enabled: sc.Enabled, Managed: sc.Managed, ProviderType: orDefault(sc.ProviderType, "user"),
		EnvironmentScope: sc.EnvironmentScope, NamespacePerEnvironment: sc.NamespacePerEnvironment, UserID: sc.UserID,
		ManagementProjectID: sc.ManagementProjectID, APIURL: sc.Platform.APIURL, Token: sc.Platform.Token,
		CACert: sc.Platform.CACert, Namespace: sc.Platform.Namespace,
		AuthorizationType: orDefault(sc.Platform.AuthorizationType, "rbac"), GCP: sc.ProviderGCP,
	}
	c.CreatedAt = ParseTime(sc.CreatedAt, time.Time{})
	c.UpdatedAt = ParseTime(sc.UpdatedAt, c.CreatedAt)
	return c
}

// TimeLayout is how GitLab renders times: ISO 8601 in UTC with milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// FormatTime renders t as GitLab does.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads an RFC 3339 time, or gives fallback for an empty or unreadable one.
func ParseTime(s string, fallback time.Time) time.Time {
	if s == "" {
		return fallback
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return fallback
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
