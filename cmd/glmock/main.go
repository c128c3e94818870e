// Command glmock serves a stateful mock of GitLab's certificate-based clusters API (project, group and instance clusters, and discovery).
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/glclusters/clustersapi/internal/gctune"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Room to allocate before each collection: see internal/gctune (GOGC or GOMEMLIMIT, when set, wins).
	headroom := gctune.Start(64 << 20)
	code := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	runtime.KeepAlive(headroom) // the ballast lives as long as the server; os.Exit skips defers
	os.Exit(code)
}
