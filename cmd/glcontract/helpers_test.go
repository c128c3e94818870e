package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
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

// glcontractClusters lists the clusters of project 1 whose name starts with glcontract-, straight from the mock.
func glcontractClusters(t testing.TB, mockURL string) []string {
	t.Helper()
	return proxytest.GlcontractClusters(t, mockURL, rootToken)
}

// createCluster adds a cluster to project 1 of the mock.
func createCluster(t testing.TB, mockURL, name, scope string) {
	t.Helper()
	proxytest.CreateCluster(t, mockURL, rootToken, name, scope)
}
