package mockserver

import "github.com/glclusters/clustersapi/mockserver/internal/seed"

// Seeds live in mockserver/internal/seed now: their types, reading (JSON and YAML), the
// checks and writing. These names keep mockserver's API as it was.

// Seed is the mock's whole state as data: users and their tokens, namespaces, projects with
// members, and clusters. The format is documented in fixtures/seed/README.md; it is read from
// JSON or YAML and written back as JSON, so an export can be loaded again.
type Seed = seed.Seed

// SeedUser is a GitLab user; Admin makes it an instance administrator.
type SeedUser = seed.User

// SeedToken is a personal access token with its scopes (api, read_api, sudo).
type SeedToken = seed.Token

// SeedNamespace is a group or a user namespace. A group has a visibility (private by default)
// and members, whose roles its subgroups and projects inherit.
type SeedNamespace = seed.Namespace

// SeedProject is a project in a namespace, with its visibility and members.
type SeedProject = seed.Project

// SeedMember gives a user a role in a project or a group: guest, reporter, developer, maintainer or owner.
type SeedMember = seed.Member

// SeedCluster is a stored cluster, token included. ClusterType is project_type (the default,
// with ProjectID), group_type (with GroupID) or instance_type (with neither).
type SeedCluster = seed.Cluster

// SeedPlatform is a cluster's Kubernetes platform.
type SeedPlatform = seed.Platform

// SeedProviderGCP describes a cluster GitLab created on GKE (provider_type gcp).
type SeedProviderGCP = seed.ProviderGCP

// SeedError says what is wrong with a seed, and where.
type SeedError = seed.Error

// DefaultSeed returns a fresh copy of the embedded default seed (fixtures/seed/default.json).
func DefaultSeed() *Seed { return seed.Default() }

// LoadSeed reads a seed file, JSON or YAML (a '{' first means JSON), and checks that it is
// consistent. JSON is decoded as it is read, a cluster at a time.
func LoadSeed(path string) (*Seed, error) { return seed.Load(path) }

// ParseSeed decodes a JSON or YAML seed and checks that it is consistent.
func ParseSeed(raw []byte) (*Seed, error) { return seed.Parse(raw) }
