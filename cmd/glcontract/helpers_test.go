package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/glclusters/clustersapi/contract"
)

const (
	rootToken = "root-token"
	project   = "1"
)

type cliResult struct {
	code           int
	stdout, stderr string
}

// glcontract runs the command in-process with env as its environment, as a user's shell would.
func glcontract(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli{stdout: &stdout, stderr: &stderr, client: fastClient(),
		getenv: func(k string) string { return env[k] }}.run(context.Background(), args)
	return cliResult{code, stdout.String(), stderr.String()}
}

// fastClient backs off by nanoseconds, so tests of 5xx handling stay fast (a Retry-After is
// still honoured).
func fastClient() *contract.Client { return &contract.Client{BaseDelay: time.Nanosecond} }
