package mockserver

import "log/slog"

// Option configures a Server.
type Option func(*config)

type config struct {
	seed           *Seed
	features       map[string]bool
	allowLocalURLs bool
	logger         *slog.Logger
	externalURL    string
	gitlabVersion  string
	stateFile      string
}

// WithSeed replaces the default seed.
func WithSeed(s *Seed) Option { return func(c *config) { c.seed = s } }

// WithFeature sets a feature flag, such as certificate_based_clusters.
func WithFeature(name string, enabled bool) Option {
	return func(c *config) { c.features[name] = enabled }
}

// WithAllowLocalURLs lets api_url point at localhost and private networks, as GitLab's
// "allow requests to the local network" setting does.
func WithAllowLocalURLs(allow bool) Option { return func(c *config) { c.allowLocalURLs = allow } }

// WithLogger sets the structured logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithExternalURL sets the GitLab URL used in web_url fields (default https://gitlab.example.com).
func WithExternalURL(u string) Option { return func(c *config) { c.externalURL = u } }

// WithGitLabVersion selects the behaviour of a GitLab release, X.Y (see the README's table).
func WithGitLabVersion(v string) Option { return func(c *config) { c.gitlabVersion = v } }

// WithStateFile keeps the state in a file: loaded at start, rewritten atomically after every
// change.
func WithStateFile(path string) Option { return func(c *config) { c.stateFile = path } }
