// Command glmock serves a stateful mock of GitLab's project clusters API.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/glclusters/clustersapi/mockserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(mockserver.Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
