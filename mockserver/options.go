package mockserver

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

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
	maxClusters    int
	checkResponse  func(error) // WithResponseCheck
	errs           []error     // mistakes in options, reported by New
}

// ConfigError is a mistake in the mock's configuration (an option, a flag, an environment
// variable); its message lists the valid values. glmock exits 2 on it.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// knownFeatures lists the feature flags the mock models.
var knownFeatures = []string{FeatureCertificateBasedClusters}

// CheckFeature refuses, with the ConfigError New would give, a flag the mock does not model:
// a typo would otherwise leave the API in its default state without a word. glmock checks
// --feature with it while parsing the command line.
func CheckFeature(name string) error {
	if slices.Contains(knownFeatures, name) {
		return nil
	}
	return &ConfigError{fmt.Sprintf("unknown feature flag %q: valid flags are %s", name, strings.Join(knownFeatures, ", "))}
}

// DefaultMaxClusters is how many clusters the mock stores at most, unless WithMaxClusters
// (--max-clusters) says otherwise: about 1.7 kB each, so about 17 MB.
const DefaultMaxClusters = 10000

// WithSeed replaces the default seed.
func WithSeed(s *Seed) Option { return func(c *config) { c.seed = s } }

// WithFeature sets a feature flag (the mock models FeatureCertificateBasedClusters); New
// refuses an unknown name with a ConfigError.
func WithFeature(name string, enabled bool) Option {
	return func(c *config) {
		if err := CheckFeature(name); err != nil {
			c.errs = append(c.errs, err)
			return
		}
		c.features[name] = enabled
	}
}

// WithAllowLocalURLs lets api_url point at localhost and private networks, as GitLab's
// "allow requests to the local network" setting does.
func WithAllowLocalURLs(allow bool) Option { return func(c *config) { c.allowLocalURLs = allow } }

// WithLogger sets the structured logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithExternalURL sets the GitLab URL used in web_url fields (default https://gitlab.example.com).
func WithExternalURL(u string) Option { return func(c *config) { c.externalURL = u } }

// WithGitLabVersion selects the behaviour of a GitLab release, X.Y or X.Y.Z from 11.7 (see
// the README's table); a release newer than the newest modelled behaves as that one. New
// refuses anything else.
func WithGitLabVersion(v string) Option { return func(c *config) { c.gitlabVersion = v } }

// WithStateFile keeps the state in a file: loaded at start, rewritten atomically after every
// change. A symbolic link is written through to its target. New refuses a path whose
// directory does not exist.
func WithStateFile(path string) Option { return func(c *config) { c.stateFile = path } }

// WithMaxClusters caps how many clusters clients can make the mock store (default
// DefaultMaxClusters); a create beyond it gets GitLab's plan-limit answer, 400
// {"message":{"base":["Maximum number of clusters (N) exceeded"]}}.
func WithMaxClusters(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.errs = append(c.errs, &ConfigError{fmt.Sprintf("max clusters %d: give a positive number", n)})
			return
		}
		c.maxClusters = n
	}
}

// checkStateDir refuses a state file whose directory is missing, before anything is written.
func checkStateDir(path string) error {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return &ConfigError{fmt.Sprintf("state file %s: directory %s does not exist; create it first", path, dir)}
	}
	return nil
}

// Settings is how a Server was configured, after defaults: glmock logs it at start-up.
type Settings struct {
	GitLabVersion  string // the release it answers as (X.Y.Z), by default the newest modelled
	BehavesAs      string // the modelled release whose behaviour it gets, e.g. "18.10 (the newest modelled)"
	MaxClusters    int
	AllowLocalURLs bool
}

// Settings returns how s was configured.
func (s *Server) Settings() Settings {
	return Settings{GitLabVersion: s.gv.String(), BehavesAs: s.gv.BehavesAs(), MaxClusters: s.cfg.maxClusters, AllowLocalURLs: s.cfg.allowLocalURLs}
}
