// Command glcontract replays scenarios against a GitLab instance, judges every response by
// openapi.yaml, and shows what an upgrade changed. See "glcontract --help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/glclusters/clustersapi/contract"
)

func main() {
	// Ctrl-C cancels the run; the suite still deletes what it created before exiting.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := contract.Main(ctx, os.Args[1:], contract.Env{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		Progress: isTerminal(os.Stderr),
	})
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device (a terminal), without a dependency.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
