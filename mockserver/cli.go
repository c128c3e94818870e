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
	on, err := strconv.ParseBool(value)
	if err != nil {
		return fmt.Errorf("%s: %q is not a boolean", name, value)
	}
	f[name] = on
	return nil
}

// Main is glmock's command line: it parses args, serves until ctx ends, and returns the exit
// code (0 after a clean shutdown, 2 for a usage error, 1 when serving fails).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("glmock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	seedFile := fs.String("seed", "", "seed file (JSON or YAML) replacing the default seed")
	allowLocal := fs.Bool("allow-local-urls", false, "accept api_url on localhost and private networks")
	external := fs.String("external-url", "https://gitlab.example.com", "GitLab URL used in web_url fields")
	features := featureFlags{}
	fs.Var(features, "feature", "set a feature flag, NAME=BOOL (repeatable), e.g. certificate_based_clusters=false")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: glmock [flags]\n\nServes a stateful mock of GitLab's project clusters API under /api/v4.\n\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExample:\n  glmock --addr 127.0.0.1:8080 --feature certificate_based_clusters=true\n")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(stdout, nil))
	opts := []Option{WithLogger(logger), WithAllowLocalURLs(*allowLocal), WithExternalURL(*external)}
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
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "glmock: %v\n", err)
		return 1
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
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
