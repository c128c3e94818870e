package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/glclusters/clustersapi/internal/buildinfo"
	"github.com/glclusters/clustersapi/mockserver"
)

// run is glmock's command line: it parses args (over the GLMOCK_* environment that lookupEnv
// reads), serves until ctx ends, and returns the exit code (0 after a clean shutdown, 2 for a
// usage error, 1 when serving fails).
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(ctx, args[1:], lookupEnv, stderr)
	}
	f, code, ok := parseFlags(args, lookupEnv, stderr)
	if !ok {
		return code
	}
	if f.showVersion {
		fmt.Fprintln(stdout, "glmock", buildinfo.Version(version))
		return 0
	}
	externalHost := ""
	if f.externalSet {
		externalHost = hostOf(f.external)
	}
	tlsOn, err := f.setupTLS(externalHost)
	if err != nil {
		fmt.Fprintf(stderr, "glmock: %v\n", err)
		var te *tlsError
		if errors.As(err, &te) {
			return 2
		}
		return 1
	}
	var ln net.Listener
	if tlsOn != nil && !f.externalSet {
		// web_url fields follow the scheme: without --external-url they name https://localhost
		// and the port glmock listens on, which only the listener knows when --addr's port is 0.
		if ln, err = net.Listen("tcp", f.addr); err != nil {
			fmt.Fprintf(stderr, "glmock: %v\n", err)
			return 1
		}
		defer ln.Close()
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		f.external = "https://" + net.JoinHostPort("localhost", port)
	}
	logs := newLogBuffer(stdout)
	defer logs.Close() // every way out of run, so that main's os.Exit loses no line
	logger := f.logger(logs)
	srv, code := f.newServer(logger, stderr)
	if srv == nil {
		return code
	}
	logStartup(logger, srv, f)
	if f.seedFile != "" {
		// The options held the parsed seed: for a seed file, hand the memory that parsing took
		// back to the system now, rather than when the scavenger gets to it.
		debug.FreeOSMemory()
	}
	if err := ctx.Err(); err != nil {
		return 0
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", f.addr); err != nil {
			fmt.Fprintf(stderr, "glmock: %v\n", err)
			return 1
		}
	}
	return serve(ctx, ln, tlsOn, srv, logger, logs, stderr)
}

// flags is glmock's parsed command line.
type flags struct {
	addr, seedFile, external, stateFile, version string
	tlsCert, tlsKey, tlsAuto                     string
	tlsHosts                                     stringList
	externalSet                                  bool // --external-url (or GLMOCK_EXTERNAL_URL) was given
	allowLocal                                   boolFlag
	logFormat                                    *oneOf
	maxClusters                                  intFlag
	features                                     featureFlags
	showVersion                                  bool
}

// version is set at build time (-ldflags "-X main.version=v1.2.3"); otherwise --version reports
// the module version from the build info, or "devel".
var version string

// parseFlags reads the environment, then the command line over it. ok is false when glmock
// should stop at once with code (0 after --help, 2 for a mistake, already reported).
func parseFlags(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (f *flags, code int, ok bool) {
	f = &flags{logFormat: &oneOf{value: "json", valid: []string{"json", "text"}}, maxClusters: intFlag(mockserver.DefaultMaxClusters), features: featureFlags{}}
	fs := flag.NewFlagSet("glmock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&f.seedFile, "seed", "", "seed file (JSON or YAML) replacing the default seed")
	fs.Var(&f.allowLocal, "allow-local-urls", "accept api_url on localhost and private networks (true or false)")
	fs.StringVar(&f.external, "external-url", "https://gitlab.example.com", "GitLab URL used in web_url fields (with TLS: default https://localhost:PORT)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain); needs --tls-key")
	fs.StringVar(&f.tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	fs.StringVar(&f.tlsAuto, "tls-auto", "", "serve HTTPS with a CA and certificate kept in this directory (ca.pem: trust it), made when missing")
	fs.Var(&f.tlsHosts, "tls-host", "another name or IP for --tls-auto's certificate (repeatable), besides localhost, 127.0.0.1, ::1 and --external-url's host")
	fs.StringVar(&f.stateFile, "state", "", "keep the state in this file: loaded at start, rewritten atomically after every change")
	fs.StringVar(&f.version, "gitlab-version", "", "follow the behaviour of this GitLab release, X.Y (default: the newest, with the clusters flag on)")
	fs.Var(f.logFormat, "log-format", "log format: json or text")
	fs.Var(&f.maxClusters, "max-clusters", "how many clusters clients can make the mock store; a create beyond gets GitLab's plan-limit 400")
	fs.Var(f.features, "feature", "set a feature flag, NAME=BOOL (repeatable), e.g. certificate_based_clusters=false")
	fs.BoolVar(&f.showVersion, "version", false, "print glmock's version and exit")
	// A mistake gets flag's one-line error and a pointer to --help, not the whole usage.
	fs.Usage = func() {}
	usage := func() {
		fmt.Fprintf(stderr, "Usage: glmock [flags]\n       glmock healthcheck [--url URL] [--tls-ca FILE]\n\n"+
			"Serves a stateful mock of GitLab's certificate-based clusters API (project, group and\n"+
			"instance clusters, and discovery) under /api/v4.\n"+
			"Every flag can also be set by an environment variable: GLMOCK_ and the flag name in\n"+
			"upper case with - as _ (GLMOCK_ADDR, GLMOCK_SEED, GLMOCK_STATE, GLMOCK_TLS_AUTO, ...);\n"+
			"GLMOCK_FEATURES takes a comma-separated list of NAME=BOOL, GLMOCK_TLS_HOST of names.\n"+
			"Flags win over the environment.\n\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExamples:\n  glmock --addr 127.0.0.1:8080 --gitlab-version 14.10 --state /tmp/glmock.json\n"+
			"  glmock --tls-auto .tls    # https://localhost:8080; clients trust .tls/ca.pem\n")
	}
	if err := applyEnv(fs, lookupEnv); err != nil {
		fmt.Fprintf(stderr, "glmock: %v\n", err)
		return nil, 2, false
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return nil, 0, false
		}
		fmt.Fprintln(stderr, `Run "glmock --help" for the flags and an example.`)
		return nil, 2, false
	}
	fs.Visit(func(fl *flag.Flag) { f.externalSet = f.externalSet || fl.Name == "external-url" })
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "glmock: unexpected argument %q\n", fs.Arg(0))
		return nil, 2, false
	}
	return f, 0, true
}

// logger writes glmock's log to w in the chosen format, with mockserver's handler: slog's
// lines, and the request line without slog's cost.
func (f *flags) logger(w io.Writer) *slog.Logger {
	h, err := mockserver.NewLogHandler(w, f.logFormat.value, nil)
	if err != nil {
		panic(err) // parseFlags admits json and text only
	}
	return slog.New(h)
}

// newServer builds the mock the flags describe. On a mistake it reports it and returns nil
// and the exit code: 2 for a configuration mistake (a seed, a value), 1 otherwise (a state
// file that cannot be read).
func (f *flags) newServer(logger *slog.Logger, stderr io.Writer) (*mockserver.Server, int) {
	opts := []mockserver.Option{mockserver.WithLogger(logger), mockserver.WithAllowLocalURLs(bool(f.allowLocal)),
		mockserver.WithExternalURL(f.external), mockserver.WithGitLabVersion(f.version),
		mockserver.WithStateFile(f.stateFile), mockserver.WithMaxClusters(int(f.maxClusters))}
	for name, on := range f.features {
		opts = append(opts, mockserver.WithFeature(name, on))
	}
	if f.seedFile != "" && f.stateFile != "" {
		// An existing state file is loaded instead of the seed: say so rather than start from
		// something the command line does not name.
		if _, err := os.Stat(f.stateFile); err == nil {
			fmt.Fprintf(stderr, "glmock: --seed %s: the state file --state %s exists and wins over the seed (it holds the state of the last run);"+
				" to start from the seed, remove %s or drop --state\n", f.seedFile, f.stateFile, f.stateFile)
			return nil, 2
		}
	}
	if f.seedFile != "" {
		seed, err := mockserver.LoadSeed(f.seedFile)
		if err != nil {
			fmt.Fprintf(stderr, "glmock: %v\n", err)
			return nil, 2
		}
		opts = append(opts, mockserver.WithSeed(seed))
	}
	srv, err := mockserver.New(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "glmock: %v\n", err)
		var ce *mockserver.ConfigError
		if errors.As(err, &ce) {
			return nil, 2
		}
		return nil, 1
	}
	return srv, 0
}

// logStartup writes the first log line: what the mock behaves as, so that a version that
// switches the clusters API off is visible.
func logStartup(logger *slog.Logger, srv *mockserver.Server, f *flags) {
	seedName := "default"
	if f.seedFile != "" {
		seedName = f.seedFile
	}
	set := srv.Settings()
	logger.Info("glmock", "gitlab_version", set.GitLabVersion, "behaves_as", set.BehavesAs,
		"clusters_api", srv.Feature(mockserver.FeatureCertificateBasedClusters), "seed", seedName,
		"state_file", f.stateFile, "external_url", f.external, "max_clusters", set.MaxClusters, "allow_local_urls", set.AllowLocalURLs)
}

// serve serves srv on ln (over TLS when tlsOn is not nil) until ctx ends, then shuts down
// within 5 seconds. The "listening" line is written at once, not after logFlushAfter: scripts
// wait for it.
func serve(ctx context.Context, ln net.Listener, tlsOn *tlsSetup, srv *mockserver.Server, logger *slog.Logger, logs *logBuffer, stderr io.Writer) int {
	hs := mockserver.NewHTTPServer(srv)
	if tlsOn != nil {
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{tlsOn.cert}, MinVersion: tls.VersionTLS12}
		logger.Info("listening", "addr", ln.Addr().String(), "tls", tlsOn.mode, "ca", tlsOn.caFile)
	} else {
		logger.Info("listening", "addr", ln.Addr().String())
	}
	logs.Flush()
	errc := make(chan error, 1)
	go func() {
		if tlsOn != nil {
			errc <- hs.ServeTLS(ln, "", "") // the certificate is in hs.TLSConfig
			return
		}
		errc <- hs.Serve(ln)
	}()
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
