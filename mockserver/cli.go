package mockserver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

// featureFlags collects repeated --feature NAME=BOOL flags.
type featureFlags map[string]bool

func (f featureFlags) String() string { return "" }

func (f featureFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return errors.New("want NAME=BOOL, e.g. certificate_based_clusters=false")
	}
	if err := checkFeature(name); err != nil {
		return err
	}
	on, err := parseBool(value)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	f[name] = on
	return nil
}

// parseBool reads a boolean as strconv.ParseBool does, with an error that lists the values.
func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%q is not a boolean: use true or false (1, 0, t, f, TRUE, FALSE also work)", v)
	}
	return b, nil
}

// boolFlag is a flag.Value for a boolean whose error lists the accepted values (flag.Bool
// says only "parse error").
type boolFlag bool

func (b *boolFlag) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolFlag) IsBoolFlag() bool { return true }
func (b *boolFlag) Set(v string) error {
	on, err := parseBool(v)
	*b = boolFlag(on)
	return err
}

// intFlag is a flag.Value for a whole number whose error says so (flag.Int says "parse error").
type intFlag int

func (n *intFlag) String() string { return strconv.Itoa(int(*n)) }
func (n *intFlag) Set(v string) error {
	i, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", v)
	}
	*n = intFlag(i)
	return nil
}

// oneOf is a flag.Value that accepts only the listed values.
type oneOf struct {
	value string
	valid []string
}

func (o *oneOf) String() string { return o.value }
func (o *oneOf) Set(v string) error {
	if !slices.Contains(o.valid, v) {
		return fmt.Errorf("%q: use %s", v, strings.Join(o.valid, " or "))
	}
	o.value = v
	return nil
}

// Main is glmock's command line: it parses args, serves until ctx ends, and returns the exit
// code (0 after a clean shutdown, 2 for a usage error, 1 when serving fails).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(ctx, args[1:], stderr)
	}
	fs := flag.NewFlagSet("glmock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	seedFile := fs.String("seed", "", "seed file (JSON or YAML) replacing the default seed")
	var allowLocal boolFlag
	fs.Var(&allowLocal, "allow-local-urls", "accept api_url on localhost and private networks (true or false)")
	external := fs.String("external-url", "https://gitlab.example.com", "GitLab URL used in web_url fields")
	stateFile := fs.String("state", "", "keep the state in this file: loaded at start, rewritten atomically after every change")
	version := fs.String("gitlab-version", "", "follow the behaviour of this GitLab release, X.Y (default: the newest, with the clusters flag on)")
	logFormat := &oneOf{value: "json", valid: []string{"json", "text"}}
	fs.Var(logFormat, "log-format", "log format: json or text")
	maxClusters := intFlag(DefaultMaxClusters)
	fs.Var(&maxClusters, "max-clusters", "how many clusters clients can make the mock store; a create beyond gets GitLab's plan-limit 400")
	features := featureFlags{}
	fs.Var(features, "feature", "set a feature flag, NAME=BOOL (repeatable), e.g. certificate_based_clusters=false")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: glmock [flags]\n       glmock healthcheck [--url URL]\n\n"+
			"Serves a stateful mock of GitLab's project clusters API under /api/v4.\n"+
			"Every flag can also be set by an environment variable: GLMOCK_ and the flag name in\n"+
			"upper case with - as _ (GLMOCK_ADDR, GLMOCK_SEED, GLMOCK_STATE, ...); GLMOCK_FEATURES\n"+
			"takes a comma-separated list of NAME=BOOL. Flags win over the environment.\n\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExample:\n  glmock --addr 127.0.0.1:8080 --gitlab-version 14.10 --state /tmp/glmock.json\n")
	}
	if err := applyEnv(fs, os.LookupEnv); err != nil {
		fmt.Fprintf(stderr, "glmock: %v\n", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "glmock: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var handler slog.Handler = slog.NewJSONHandler(stdout, nil)
	if logFormat.value == "text" {
		handler = slog.NewTextHandler(stdout, nil)
	}
	logger := slog.New(handler)
	opts := []Option{WithLogger(logger), WithAllowLocalURLs(bool(allowLocal)), WithExternalURL(*external),
		WithGitLabVersion(*version), WithStateFile(*stateFile), WithMaxClusters(int(maxClusters))}
	for name, on := range features {
		opts = append(opts, WithFeature(name, on))
	}
	if *seedFile != "" {
		seed, err := LoadSeed(*seedFile)
		if err != nil {
			fmt.Fprintf(stderr, "glmock: %v\n", err)
			return 2
		}
		opts = append(opts, WithSeed(seed))
	}
	srv, err := New(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "glmock: %v\n", err)
		var ce *ConfigError
		if errors.As(err, &ce) {
			return 2
		}
		return 1
	}
	seedName := "default"
	if *seedFile != "" {
		seedName = *seedFile
	}
	logger.Info("glmock", "gitlab_version", srv.gv.text, "behaves_as", srv.gv.behavesAs(),
		"clusters_api", srv.Feature(FeatureCertificateBasedClusters), "seed", seedName,
		"state_file", *stateFile, "max_clusters", srv.cfg.maxClusters, "allow_local_urls", srv.cfg.allowLocalURLs)
	// The options hold the parsed seed: drop them and, for a seed file, hand the memory that
	// parsing took back to the system now, rather than when the scavenger gets to it.
	opts = nil
	if *seedFile != "" {
		debug.FreeOSMemory()
	}
	if err := ctx.Err(); err != nil {
		return 0
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "glmock: %v\n", err)
		return 1
	}
	hs := NewHTTPServer(srv)
	logger.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "glmock: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		fmt.Fprintf(stderr, "glmock: shutdown: %v\n", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

// applyEnv sets every flag that has a GLMOCK_<NAME> variable, before the command line is
// parsed, so that flags win.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "GLMOCK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if f.Name == "feature" {
			name = "GLMOCK_FEATURES"
		}
		v, ok := lookup(name)
		if !ok || err != nil {
			return
		}
		for _, part := range strings.Split(v, ",") {
			if f.Name != "feature" {
				part = v
			}
			if e := fs.Set(f.Name, strings.TrimSpace(part)); e != nil {
				err = fmt.Errorf("%s: %v", name, e)
				return
			}
			if f.Name != "feature" {
				return
			}
		}
	})
	return err
}

// healthcheck GETs the health URL, for a container's HEALTHCHECK in an image without curl.
func healthcheck(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("glmock healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := "127.0.0.1:8080"
	if v, ok := os.LookupEnv("GLMOCK_ADDR"); ok {
		addr = strings.Replace(v, "0.0.0.0:", "127.0.0.1:", 1)
	}
	url := fs.String("url", "http://"+addr+"/-/health", "health URL")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "glmock healthcheck: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "glmock healthcheck: %v\n", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "glmock healthcheck: %s\n", resp.Status)
		return 1
	}
	return 0
}

// NewHTTPServer wraps the mock in an http.Server whose timeouts and header limit keep slow or
// stuck clients from tying it up.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second, // above the longest fault delay (1m)
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}
