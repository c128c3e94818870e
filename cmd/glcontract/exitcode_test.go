package main

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// reportFiles are the machine-readable reports of one run.
type reportFiles struct {
	json    contract.Report
	junit   junitSuites
	md      string
	xmlText string
}

type junitSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
}

func checkWithReports(t *testing.T, url string, extra ...string) (cliResult, reportFiles) {
	t.Helper()
	dir := t.TempDir()
	j, x, m := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.md")
	args := append([]string{"check", "--url", url, "--token", rootToken, "--project", project, "--json", j, "--junit", x, "--markdown", m}, extra...)
	r := glcontract(t, nil, args...)
	var out reportFiles
	b, err := os.ReadFile(j)
	require.NoError(t, err, r.stderr)
	require.NoError(t, json.Unmarshal(b, &out.json))
	b, err = os.ReadFile(x)
	require.NoError(t, err)
	out.xmlText = string(b)
	require.NoError(t, xml.Unmarshal(b, &out.junit))
	b, err = os.ReadFile(m)
	require.NoError(t, err)
	out.md = string(b)
	return r, out
}

// removedAPI answers every clusters request as a GitLab without the clusters API does.
func removedAPI(t *testing.T, mockURL string) string {
	return proxytest.Rewrite(t, mockURL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		if strings.Contains(in.Path, "/clusters") {
			out.Status, out.Body = 404, []byte(`{"error":"404 Not Found"}`)
		}
	}).URL
}

// TestCLIBaselineClustersAPIGone: against a baseline, the API switched off or removed is
// exit 1, and every report says so.
func TestCLIBaselineClustersAPIGone(t *testing.T) {
	base := filepath.Join(t.TempDir(), "before.json")
	on := mocktest.Start(t)
	r := glcontract(t, nil, "check", "--url", on.URL, "--token", rootToken, "--project", project, "--save-baseline", base)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stderr, "saved baseline "+base)

	for name, url := range map[string]string{
		"flag off": mocktest.Start(t, mockserver.WithFeature("certificate_based_clusters", false)).URL,
		"removed":  removedAPI(t, mocktest.Start(t).URL),
	} {
		t.Run(name, func(t *testing.T) {
			const verdict = "the clusters API was available in the baseline (GitLab "
			r, rep := checkWithReports(t, url, "--baseline", base)
			require.Equal(t, 1, r.code, r.stdout+r.stderr)
			require.Contains(t, r.stdout, "glcontract fail against")
			require.Contains(t, r.stdout, verdict)
			require.Contains(t, r.stdout, "and is now disabled (or gone)")
			require.Equal(t, contract.ResultFail, rep.json.Result)
			require.Contains(t, rep.json.Reason, verdict)
			require.Len(t, rep.json.Drift, 1)
			require.Equal(t, contract.DriftBreaks, rep.json.Drift[0].Kind)
			require.Equal(t, 1, rep.junit.Failures, rep.xmlText)
			require.Contains(t, rep.xmlText, "and is now disabled (or gone)")
			require.Contains(t, rep.md, "## GitLab clusters API contract: FAIL")
			require.Contains(t, rep.md, "and is now disabled (or gone)")
		})
	}
}

// TestCLIFlagOffBaseline: without a baseline a flag-off target is skipped (exit 0); its saved
// baseline records the API as off, and a later run where it is on shows the change.
func TestCLIFlagOffBaseline(t *testing.T) {
	off := mocktest.Start(t, mockserver.WithFeature("certificate_based_clusters", false))
	r, rep := checkWithReports(t, off.URL)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, strings.ToLower(r.stdout), "skipped: clusters api disabled on this instance")
	require.Equal(t, contract.ResultSkipped, rep.json.Result)
	require.Zero(t, rep.junit.Failures, rep.xmlText)

	base := filepath.Join(t.TempDir(), "off.json")
	r = glcontract(t, nil, "check", "--url", off.URL, "--token", rootToken, "--project", project, "--save-baseline", base)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stderr, "saved baseline "+base+": it records the clusters API as off (clusters API disabled on this instance")
	saved, err := contract.LoadRun(base)
	require.NoError(t, err)
	require.Contains(t, saved.APIOff, "clusters API disabled")

	// still off: nothing changed
	r = glcontract(t, nil, "check", "--url", off.URL, "--token", rootToken, "--project", project, "--baseline", base)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)

	// switched on: the change is reported
	r, rep = checkWithReports(t, mocktest.Start(t).URL, "--baseline", base)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "the clusters API was disabled in the baseline")
	require.Contains(t, r.stdout, "and is now available")
	require.Len(t, rep.json.Drift, 1)
	require.Equal(t, contract.CategoryAPI, rep.json.Drift[0].Category)
	require.Equal(t, 1, rep.junit.Failures, rep.xmlText)
	require.Contains(t, rep.md, "and is now available")
}

// TestCLINotGitLab: a wrong base path or a server that is not GitLab is exit 2 with the URL
// tried and the fix, never "clusters API not present" with spec findings.
func TestCLINotGitLab(t *testing.T) {
	mock := mocktest.Start(t)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>welcome</html>")
	}))
	t.Cleanup(html.Close)
	emptyJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"unauthorized"}`)
	}))
	t.Cleanup(emptyJSON.Close)
	for name, url := range map[string]string{
		"GitLab is at / but --url has a path": mock.URL + "/gitlab",
		"a web server":                        html.URL,
		"a JSON API that is not GitLab":       emptyJSON.URL,
	} {
		t.Run(name, func(t *testing.T) {
			for _, write := range []bool{false, true} {
				args := []string{"check", "--url", url, "--token", rootToken, "--project", project}
				if write {
					args = append(args, "--write")
				}
				r := glcontract(t, nil, args...)
				require.Equal(t, 2, r.code, r.stdout+r.stderr)
				require.Contains(t, r.stderr, "not a GitLab API: "+strings.TrimSuffix(url, "/")+"/api/v4/version answered")
				require.Contains(t, r.stderr, "--url must be the URL GitLab is served at")
				require.NotContains(t, r.stdout+r.stderr, "clusters API not present")
				require.Contains(t, r.stdout, "ABORTED")
				require.NotContains(t, r.stdout, "FINDINGS")
			}
		})
	}
	// GitLab itself, with a token it rejects: GitLab's 401, told as such
	r := glcontract(t, nil, "check", "--url", mock.URL, "--token", "wrong-token", "--project", project)
	require.Equal(t, 2, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stderr, "the token was rejected (401 Unauthorized)")
}

// TestCLITargetUnavailable: 5xx or 429 past the retry budget is "target unavailable" (exit 2),
// with the status and the tries, not spec findings; what a write run created is still deleted.
func TestCLITargetUnavailable(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>502 Bad Gateway</html>")
	}))
	t.Cleanup(down.Close)
	r := glcontract(t, nil, "check", "--url", down.URL, "--token", rootToken, "--project", project)
	require.Equal(t, 2, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stderr, "target unavailable: GET "+down.URL+"/api/v4/version answered 502 Bad Gateway 4 time(s)")

	mock := mocktest.Start(t)
	created := false // down right after the create: the run stops, and still deletes the cluster
	busy := proxytest.Rewrite(t, mock.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		created = created || in.Method == "POST"
		if created && in.Method == "GET" && strings.Contains(in.Path, "/clusters/") {
			out.Status, out.Body = 503, []byte(`{"message":"503 Service Unavailable"}`)
		}
	})
	r = glcontract(t, nil, "check", "--url", busy.URL, "--token", rootToken, "--project", project, "--write")
	require.Equal(t, 2, r.code, r.stdout+r.stderr)
	require.True(t, created)
	require.Contains(t, r.stderr, "target unavailable: GET "+busy.URL+"/api/v4/projects/1/clusters/")
	require.Contains(t, r.stderr, "answered 503 Service Unavailable 4 time(s)")
	require.NotContains(t, r.stdout, "undocumented status 503")
	require.Empty(t, proxytest.GlcontractClusters(t, mock.URL, rootToken), "the run deleted what it created")

	throttled := proxytest.Rewrite(t, mock.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		if in.Method == "GET" && in.Path == "/user" {
			out.Status, out.Body = 429, []byte(`{"message":"429 Too Many Requests"}`)
			out.Header.Set("Retry-After", "3600")
		}
	})
	r = glcontract(t, nil, "check", "--url", throttled.URL, "--token", rootToken, "--project", project)
	require.Equal(t, 2, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stderr, "answered 429 Too Many Requests 1 time(s), and asked to wait 3600 (Retry-After), longer than glcontract waits")
}

// TestExitStatusTableIsDocumented: --help, the README and contract/README.md say the same thing.
func TestExitStatusTableIsDocumented(t *testing.T) {
	r := glcontract(t, nil, "--help")
	require.Contains(t, r.stdout, exitStatusTable)
	r = glcontract(t, nil, "check", "--help")
	require.Contains(t, r.stdout, exitStatusTable)
	for _, f := range []string{"../../README.md", "../../contract/README.md"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Contains(t, string(b), "```text\n"+exitStatusTable+"```", f)
	}
}
