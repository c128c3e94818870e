package contract_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/mockserver"
)

// TestSuiteAgainstMock runs the whole suite, with --write, against the in-process mock: the mock
// and the suite must agree, with no finding and no note, also in strict mode.
func TestSuiteAgainstMock(t *testing.T) {
	for _, strict := range []bool{false, true} {
		srv := startMock(t)
		rep := runSuite(t, srv.URL, func(c *contract.Config) { c.Strict = strict })
		require.Equal(t, contract.ResultPass, rep.Result, findingTexts(rep))
		require.Empty(t, rep.Findings, findingTexts(rep))
		require.Equal(t, 0, rep.ExitCode())
		// Its speed (under 2 s wanted; about 11 ms measured) is BenchmarkWriteSuiteAgainstMock's.
		require.Empty(t, glcontractClusters(t, srv.URL), "the run left clusters behind")
		var skipped int
		for _, s := range rep.Steps {
			if s.Outcome != contract.OutcomePass {
				skipped++
			}
		}
		require.Zero(t, skipped, "every step ran")
		require.GreaterOrEqual(t, len(rep.Steps), 18)
		require.Equal(t, "root", rep.Target.User)
		require.NotEmpty(t, rep.Target.Version)
	}
}

// TestSuiteAgainstLiveInstance runs the same suite against GITLAB_URL with GITLAB_TOKEN and
// GITLAB_PROJECT (read-only unless GLCONTRACT_LIVE_WRITE=1), and is skipped without them.
func TestSuiteAgainstLiveInstance(t *testing.T) {
	url, token, project, write := liveTarget(t)
	rep, err := contract.Run(context.Background(), contract.Config{URL: url, Token: token, Project: project, Write: write})
	require.NoError(t, err)
	require.Contains(t, []contract.Result{contract.ResultPass, contract.ResultSkipped}, rep.Result, findingTexts(rep))
}

func TestFeatureFlagOffIsSkipped(t *testing.T) {
	srv := startMock(t, mockserver.WithFeature("certificate_based_clusters", false))
	rep := runSuite(t, srv.URL)
	require.Equal(t, contract.ResultSkipped, rep.Result, findingTexts(rep))
	require.Equal(t, "clusters API disabled on this instance (certificate_based_clusters)", rep.Reason)
	require.Equal(t, 0, rep.ExitCode())
	require.Empty(t, rep.Errors())
	require.Empty(t, rep.Cleanup, "nothing was created")
}

func TestUnknownProjectIsAUsageError(t *testing.T) {
	srv := startMock(t)
	rep, err := contract.Run(context.Background(), contract.Config{URL: srv.URL, Token: rootToken, Project: "nope/nothing"})
	require.ErrorIs(t, err, contract.ErrUsage)
	require.Equal(t, 2, rep.ExitCode())
	require.Contains(t, rep.Reason, "project nope/nothing not found")
}

func TestRejectedTokenIsAUsageError(t *testing.T) {
	srv := startMock(t)
	rep, err := contract.Run(context.Background(), contract.Config{URL: srv.URL, Token: "wrong-token", Project: project})
	require.ErrorIs(t, err, contract.ErrUsage)
	require.Equal(t, 2, rep.ExitCode())
	require.Contains(t, rep.Reason, "token was rejected")
	require.NotContains(t, rep.Reason, "wrong-token")
}

func TestWriteWithoutMaintainerIsAUsageError(t *testing.T) {
	srv := startMock(t)
	rep, err := contract.Run(context.Background(), contract.Config{URL: srv.URL, Token: "developer-token", Project: project, Write: true})
	require.ErrorIs(t, err, contract.ErrUsage)
	require.Contains(t, rep.Reason, "Maintainer")
	require.Empty(t, glcontractClusters(t, srv.URL))
}

func TestReadOnlyNeverWrites(t *testing.T) {
	srv := startMock(t)
	var writes []string
	proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
		if in.Method != "GET" && in.Method != "HEAD" {
			writes = append(writes, in.Method+" "+in.Path)
		}
	})
	rep := runSuite(t, proxy.URL, func(c *contract.Config) { c.Write = false })
	require.Equal(t, contract.ResultPass, rep.Result, findingTexts(rep))
	require.Empty(t, writes)
	require.False(t, rep.Write)
}

func TestUnreachableTarget(t *testing.T) {
	rep, err := contract.Run(context.Background(), contract.Config{URL: "http://127.0.0.1:1", Token: rootToken, Project: project, Client: fastClient()})
	require.ErrorIs(t, err, contract.ErrUnreachable)
	require.Equal(t, 2, rep.ExitCode())
}

// TestCleanupAfterFailedStep: the suite's own delete fails once; the cleanup at exit deletes
// the cluster anyway, and the run reports the failed step.
func TestCleanupAfterFailedStep(t *testing.T) {
	srv := startMock(t)
	// a proxy that refuses the first DELETE without forwarding it
	refusing := refuseFirst(t, srv.URL, "DELETE")
	rep := runSuite(t, refusing.URL)
	require.Equal(t, contract.ResultFail, rep.Result)
	require.Contains(t, findingTexts(rep), "write/delete")
	require.Len(t, rep.Cleanup, 1, findingTexts(rep))
	require.True(t, rep.Cleanup[0].OK, rep.Cleanup[0].Detail)
	require.Empty(t, glcontractClusters(t, srv.URL), "cleanup must delete the cluster")
}

// TestCleanupAfterCancel: Ctrl-C right after the create; the run stops, deletes the cluster and
// reports the interruption (exit 2).
func TestCleanupAfterCancel(t *testing.T) {
	srv := startMock(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
		if in.Method == "POST" && out.Status == 201 {
			cancel()
		}
	})
	rep, err := contract.Run(ctx, contract.Config{URL: proxy.URL, Token: rootToken, Project: project, Write: true, Client: fastClient()})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, contract.ResultInterrupted, rep.Result)
	require.Equal(t, 2, rep.ExitCode())
	require.Len(t, rep.Cleanup, 1)
	require.True(t, rep.Cleanup[0].OK, rep.Cleanup[0].Detail)
	require.Empty(t, glcontractClusters(t, srv.URL), "cleanup must delete the cluster after cancel")
}

func TestSweepRemovesOnlyLeftovers(t *testing.T) {
	srv := startMock(t)
	createCluster(t, srv.URL, "glcontract-20250101t000000-abcdef", "glcontract/20250101t000000-abcdef")
	createCluster(t, srv.URL, "glcontract-20250101t000000-abcdef-dup", "glcontract/20250101t000000-abcdef/x")
	createCluster(t, srv.URL, "glcontract-20250202t000000-123456", "glcontract/20250202t000000-123456")
	createCluster(t, srv.URL, "glcontract-20250101t000000-abcdef-prod", "production") // scope lacks the marker
	createCluster(t, srv.URL, "glcontract-made-by-hand", "glcontract/made-by-hand")   // name lacks a run id
	createCluster(t, srv.URL, "payments", "payments/*")

	found, err := contract.Sweep(context.Background(), contract.SweepConfig{URL: srv.URL, Token: rootToken, Project: project, RunID: "20250101t000000-abcdef"})
	require.NoError(t, err)
	require.Len(t, found, 2)
	require.ElementsMatch(t, []string{"glcontract-20250202t000000-123456", "glcontract-20250101t000000-abcdef-prod", "glcontract-made-by-hand"},
		glcontractClusters(t, srv.URL))

	found, err = contract.Sweep(context.Background(), contract.SweepConfig{URL: srv.URL, Token: rootToken, Project: project, DryRun: true})
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.False(t, found[0].Deleted)

	found, err = contract.Sweep(context.Background(), contract.SweepConfig{URL: srv.URL, Token: rootToken, Project: project})
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.ElementsMatch(t, []string{"glcontract-20250101t000000-abcdef-prod", "glcontract-made-by-hand"}, glcontractClusters(t, srv.URL))
}

// TestSuiteRetriesReadsNotWrites: a 503 with Retry-After on a GET is retried and the run passes;
// the same on the create is not retried (a write is never sent twice) and is a finding.
func TestSuiteRetriesReadsNotWrites(t *testing.T) {
	srv := startMock(t)
	var posts, gets int
	busyGet, busyPost := true, true
	proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
		switch {
		case in.Method == "GET" && in.Path == "/version":
			gets++
			if busyGet {
				busyGet = false
				out.Status, out.Body = 503, []byte(`{"message":"503 Service Unavailable"}`)
				out.Header.Set("Retry-After", "7")
			}
		case in.Method == "POST" && isCreate(in, out) && !strings.Contains(string(in.Body), "-second"): // the first create
			posts++
			if busyPost {
				busyPost = false
				out.Status, out.Body = 503, []byte(`{"message":"503 Service Unavailable"}`)
				out.Header.Set("Retry-After", "1")
			}
		}
	})
	var waits []time.Duration
	client := contract.SetSleep(&contract.Client{}, func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil })
	rep := runSuite(t, proxy.URL, func(c *contract.Config) { c.Client = client })
	require.Equal(t, 3, gets, "the GET was retried once (the first /version is the probe), then the version step")
	require.Equal(t, []time.Duration{7 * time.Second}, waits, "Retry-After was honoured, and only for the GET")
	require.Equal(t, 1, posts, "the create was not retried")
	require.Equal(t, 1, rep.ExitCode())
	require.Contains(t, findingTexts(rep), "write/create: POST /api/v4/projects/1/clusters/user status: status 503, expected 201")
	// 503 is documented (GitLab's Workhorse and Puma answer it on any route): no spec finding
	require.NotContains(t, findingTexts(rep), "undocumented status 503")
	// the create did happen upstream (the proxy hid its response): the run finds it by its run
	// id at exit and deletes it
	require.Empty(t, glcontractClusters(t, srv.URL))
	require.Len(t, rep.Cleanup, 1, findingTexts(rep))
	require.True(t, rep.Cleanup[0].OK)
	require.Contains(t, rep.Cleanup[0].Detail, "its create response was never seen")
}

// TestFailedCreateSkipsWhatDependsOnIt: when the create fails, the steps that need its cluster are
// skipped (not failed), and the failure is reported once, without a finding per missing field.
func TestFailedCreateSkipsWhatDependsOnIt(t *testing.T) {
	srv := startMock(t)
	rep := runSuite(t, refuseFirst(t, srv.URL, "POST").URL)
	require.Equal(t, 1, rep.ExitCode())
	errs := rep.Errors()
	require.Len(t, errs, 1, findingTexts(rep)) // 500 is a documented status: no spec finding
	require.Contains(t, errs[0].String(), "status 500, expected 201")
	failed, skipped := 0, 0
	for _, s := range rep.Steps {
		switch s.Outcome {
		case contract.OutcomeFail:
			failed++
		case contract.OutcomeSkipped:
			skipped++
			require.Contains(t, s.Detail, "${cluster_id}")
		}
	}
	require.Equal(t, 1, failed)
	require.Equal(t, 7, skipped)
	require.Empty(t, glcontractClusters(t, srv.URL))
}

// TestRoles: the tokens a user would bring. Maintainers can run everything, Developers the
// read-only suite; anything less is a usage error (exit 2) that says what is missing.
func TestRoles(t *testing.T) {
	srv := startMock(t)
	cases := []struct {
		token  string
		write  bool
		result contract.Result
		reason string
	}{
		{"maintainer-token", true, contract.ResultPass, ""},
		{"owner-token", true, contract.ResultPass, ""},
		{"developer-token", false, contract.ResultPass, ""},
		{"readonly-token", false, contract.ResultPass, ""},
		{"readonly-token", true, contract.ResultAborted, "api scope"},
		{"reporter-token", false, contract.ResultAborted, "Developer role"},
		{"outsider-token", false, contract.ResultAborted, "not found, or not visible to this token"},
	}
	for _, tc := range cases {
		rep := runSuite(t, srv.URL, func(c *contract.Config) { c.Token, c.Write = tc.token, tc.write })
		require.Equal(t, tc.result, rep.Result, "%s write=%v: %s\n%s", tc.token, tc.write, rep.Reason, findingTexts(rep))
		require.Contains(t, rep.Reason, tc.reason, tc.token)
	}
	require.Empty(t, glcontractClusters(t, srv.URL))
}

// TestSweepUnreachableKeepsTheCause: an unreachable target is ErrUnreachable, and the transport
// error under it is still there for errors.As (the connection refused, not just its text).
func TestSweepUnreachableKeepsTheCause(t *testing.T) {
	_, err := contract.Sweep(context.Background(), contract.SweepConfig{URL: "http://127.0.0.1:1", Token: rootToken, Project: project, Client: fastClient()})
	require.ErrorIs(t, err, contract.ErrUnreachable)
	var urlErr *url.Error
	require.ErrorAs(t, err, &urlErr)
	require.Equal(t, "http://127.0.0.1:1/api/v4/projects/"+url.PathEscape(project)+"/clusters?per_page=100&page=1", urlErr.URL)
}

// TestBadScenarioFileIsAUsageErrorWithItsCause: a scenario file that is not JSON is ErrUsage,
// and the decoder's error (with its offset) is still there for errors.As.
func TestBadScenarioFileIsAUsageErrorWithItsCause(t *testing.T) {
	rep, err := contract.Run(context.Background(), contract.Config{URL: "http://127.0.0.1:1", Token: rootToken, Project: project,
		Scenarios: fstest.MapFS{"broken.json": {Data: []byte(`{"name": "x",}`)}}, Client: fastClient()})
	require.ErrorIs(t, err, contract.ErrUsage)
	var syntax *json.SyntaxError
	require.ErrorAs(t, err, &syntax)
	require.EqualValues(t, 14, syntax.Offset) // the "}" after the comma
	require.Equal(t, 2, rep.ExitCode())
	require.Contains(t, rep.Reason, "broken.json")
}
