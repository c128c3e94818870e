package contract_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

const (
	rootToken = "root-token"
	project   = "1"
)

// fastClient retries without waiting, so tests of 5xx handling stay fast.
func fastClient() *contract.Client {
	return contract.SetSleep(&contract.Client{}, func(ctx context.Context, d time.Duration) error { return ctx.Err() })
}

// runSuite runs the whole suite (with --write) against url and fails the test if it cannot run.
func runSuite(t testing.TB, url string, mod ...func(*contract.Config)) *contract.Report {
	t.Helper()
	cfg := contract.Config{URL: url, Token: rootToken, Project: project, Write: true, Client: fastClient()}
	for _, m := range mod {
		m(&cfg)
	}
	rep, err := contract.Run(context.Background(), cfg)
	require.NotNil(t, rep)
	if err != nil && rep.Result != contract.ResultAborted {
		t.Fatalf("run: %v", err)
	}
	return rep
}

// The proxies and the cluster helpers live in internal/proxytest, shared with cmd/glcontract's tests.
type (
	upstream     = proxytest.Upstream
	exchangeInfo = proxytest.Exchange
)

var (
	drifting    = proxytest.Rewrite
	refuseFirst = proxytest.RefuseFirst
	forward     = proxytest.Forward
)

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

// startMock starts the faithful mock.
func startMock(t testing.TB, opts ...mockserver.Option) *httptest.Server {
	t.Helper()
	return mocktest.Start(t, opts...)
}

// findingTexts renders every finding on one line each, for assertions and failure messages.
func findingTexts(rep *contract.Report) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		b.WriteString(string(f.Severity) + " " + f.String() + "\n")
	}
	return b.String()
}

// liveTarget returns the live GitLab from the environment, or skips.
func liveTarget(t *testing.T) (url, token, project string, write bool) {
	t.Helper()
	url, token = os.Getenv("GITLAB_URL"), os.Getenv("GITLAB_TOKEN")
	if url == "" || token == "" {
		t.Skip("GITLAB_URL and GITLAB_TOKEN are not set: the live-instance run is skipped (the same suite ran against the in-process mock)")
	}
	project = os.Getenv("GITLAB_PROJECT")
	if project == "" {
		t.Skip("GITLAB_PROJECT is not set: the live-instance run needs a project")
	}
	return url, token, project, os.Getenv("GLCONTRACT_LIVE_WRITE") == "1"
}

// liveScopes returns the live GitLab and the group (GITLAB_GROUP) and instance
// (GLCONTRACT_LIVE_INSTANCE=1, an administrator's GITLAB_TOKEN) to check there, or skips.
func liveScopes(t *testing.T) (url, token, group string, instance, write bool) {
	t.Helper()
	url, token = os.Getenv("GITLAB_URL"), os.Getenv("GITLAB_TOKEN")
	group, instance = os.Getenv("GITLAB_GROUP"), os.Getenv("GLCONTRACT_LIVE_INSTANCE") == "1"
	if url == "" || token == "" || (group == "" && !instance) {
		t.Skip("GITLAB_URL, GITLAB_TOKEN and GITLAB_GROUP or GLCONTRACT_LIVE_INSTANCE=1 are not set: the live group and instance run is skipped (the same suite ran against the in-process mock)")
	}
	return url, token, group, instance, os.Getenv("GLCONTRACT_LIVE_WRITE") == "1"
}
