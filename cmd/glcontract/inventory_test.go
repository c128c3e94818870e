package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestCLIInventoryExitStatus drives `glcontract inventory` as an admin would, one exit status
// per situation the help documents.
func TestCLIInventoryExitStatus(t *testing.T) {
	srv := mocktest.Start(t)
	flagOff := mocktest.Start(t, mockserver.WithFeature("certificate_based_clusters", false))
	old := mocktest.Start(t, mockserver.WithGitLabVersion("17.8"), mockserver.WithFeature("certificate_based_clusters", true))
	for _, tc := range []struct {
		name   string
		url    string
		token  string
		args   []string
		code   int
		stdout []string // lines or parts the user reads on stdout
		stderr string
	}{
		{"everything, as root", srv.URL, rootToken, []string{"--group", "platform", "--group", "10", "--project", "1", "--instance"}, 1,
			[]string{"instance  (instance)", "17  instance-cluster-1", "group     platform", "16  group-cluster-1", "demo-group/demo", "18  cluster-1",
				"Result (exit 1): 3 enabled certificate-based cluster(s)"}, ""},
		{"nothing in open-group", srv.URL, "maintainer-token", []string{"--group", "open-group"}, 0,
			[]string{"No certificate-based cluster found.", "Result (exit 0): no certificate-based cluster found"}, ""},
		{"non-admin --instance", srv.URL, "maintainer-token", []string{"--instance"}, 3,
			[]string{"--instance: 403 Forbidden: the instance's clusters need an administrator's token", "Result (exit 3): incomplete"}, ""},
		{"flag off", flagOff.URL, rootToken, []string{"--project", "1", "--instance"}, 3,
			[]string{"the clusters API is disabled on this instance", "clusters may still exist in the database: switch the flag on temporarily"}, ""},
		{"flag off, discovery still names them", flagOff.URL, rootToken, []string{"--group", "12"}, 3,
			[]string{"16  group-cluster-1  unknown  unknown", "1 cluster(s): 0 enabled, 0 disabled, 1 state unknown"}, ""},
		{"17.8: no discovery, the group's own", old.URL, "maintainer-token", []string{"--group", "platform", "--group", "demo-group"}, 1,
			[]string{"(GitLab 17.8.0)", "16  group-cluster-1", "--group demo-group: GitLab 17.8.0 has no discovery endpoint (from 17.9)"}, ""},
		{"URL-encoded paths are read as paths", srv.URL, "maintainer-token", []string{"--project", "demo-group%2Fother", "--group", "platform"}, 1,
			[]string{"project  demo-group/other  19  cluster-2", "--project demo-group/other\n"}, ""},
		{"17.8: projects by path", old.URL, "maintainer-token", []string{"--project", "demo-group/other"}, 1,
			[]string{"project  demo-group/other  19  cluster-2"}, ""},
		{"token refused", srv.URL, "wrong-token", []string{"--instance"}, 2, nil, "token refused: GitLab answered 401 Unauthorized"},
		{"not GitLab", srv.URL + "/elsewhere", rootToken, []string{"--instance"}, 2, nil, "not a GitLab API"},
		{"no scope", srv.URL, rootToken, nil, 2, nil, "nothing to inventory: give --group, --project, --instance or --all"},
		{"empty --group", srv.URL, rootToken, []string{"--group", " "}, 2, nil, `invalid value " " for flag -group: empty value`},
		{"--write is not a flag of a read-only command", srv.URL, rootToken, []string{"--write", "--instance"}, 2, nil, "flag provided but not defined: -write"},
		{"stray argument", srv.URL, rootToken, []string{"--instance", "12"}, 2, nil, `unexpected argument "12"`},
		{"bad --url", "gitlab.example.com", rootToken, []string{"--instance"}, 2, nil, "must be an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := glcontract(t, map[string]string{"GITLAB_URL": tc.url, "GITLAB_TOKEN": tc.token}, append([]string{"inventory"}, tc.args...)...)
			require.Equal(t, tc.code, res.code, "stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
			for _, want := range tc.stdout {
				require.Contains(t, res.stdout, want)
			}
			require.Contains(t, res.stderr, tc.stderr)
			require.NotContains(t, res.stdout+res.stderr, tc.token)
		})
	}
}

// TestCLIInventoryNeedsURLAndToken: without them, the flags to give.
func TestCLIInventoryNeedsURLAndToken(t *testing.T) {
	res := glcontract(t, nil, "inventory", "--instance")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "glcontract inventory: missing --url (or GITLAB_URL)")
	require.Contains(t, res.stderr, "and --token (or GITLAB_TOKEN")
	// GITLAB_PROJECT is check's: inventory lists only what its flags name
	res = glcontract(t, map[string]string{"GITLAB_URL": "http://127.0.0.1:1", "GITLAB_TOKEN": rootToken, "GITLAB_PROJECT": "1"}, "inventory")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "nothing to inventory")
}

// TestCLIInventoryHelp: --help documents every exit status, and the top-level help lists the command.
func TestCLIInventoryHelp(t *testing.T) {
	res := glcontract(t, nil, "inventory", "--help")
	require.Equal(t, 0, res.code)
	for _, want := range []string{"  0  no enabled certificate-based cluster", "  1  enabled clusters found", "  2  usage error",
		"  3  incomplete", "--group", "--project", "--instance", "--json", "--markdown", "Read-only always"} {
		require.Contains(t, res.stdout, want)
	}
	top := glcontract(t, nil, "--help")
	require.Contains(t, top.stdout, "glcontract inventory --url URL")
}

// TestCLIInventoryReports: --json FILE and --markdown FILE beside the console; --json - instead of it.
func TestCLIInventoryReports(t *testing.T) {
	srv := mocktest.Start(t)
	dir := t.TempDir()
	env := map[string]string{"GITLAB_URL": srv.URL, "GITLAB_TOKEN": rootToken}
	jsonFile, mdFile := filepath.Join(dir, "inv.json"), filepath.Join(dir, "inv.md")
	res := glcontract(t, env, "inventory", "--group", "12", "--instance", "--json", jsonFile, "--markdown", mdFile)
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stdout, "KIND")
	var inv struct {
		Clusters []struct {
			Kind, Where, Name string
			ID                int64
			Enabled           *bool
		}
		ExitCode int `json:"exit_code"`
		Target   struct {
			URL     string
			Version string
		}
	}
	b, err := os.ReadFile(jsonFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &inv))
	require.Equal(t, 1, inv.ExitCode)
	require.Equal(t, srv.URL, inv.Target.URL)
	require.Len(t, inv.Clusters, 2)
	require.Equal(t, "instance-cluster-1", inv.Clusters[0].Name)
	require.Equal(t, "platform", inv.Clusters[1].Where)
	md, err := os.ReadFile(mdFile)
	require.NoError(t, err)
	require.Contains(t, string(md), "| group | platform | 16 | group-cluster-1 | yes | yes | * |")
	for _, f := range [][]byte{b, md} {
		require.NotContains(t, string(f), rootToken)
		require.NotContains(t, string(f), "seed-group-cluster-token")
	}

	res = glcontract(t, env, "inventory", "--project", "2", "--json", "-")
	require.Equal(t, 1, res.code, res.stderr)
	require.NotContains(t, res.stdout, "KIND")
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &inv), "stdout is the JSON alone")
	require.Equal(t, "demo-group/other", inv.Clusters[0].Where)

	res = glcontract(t, env, "inventory", "--instance", "--markdown", "-")
	require.Equal(t, 1, res.code, res.stderr)
	require.True(t, strings.HasPrefix(res.stdout, "## Certificate-based clusters inventory\n"), res.stdout)
	require.NotContains(t, res.stdout, "KIND")

	res = glcontract(t, env, "inventory", "--instance", "--markdown", "-", "--json", "-")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "both ask for stdout")

	res = glcontract(t, env, "inventory", "--instance", "--markdown", filepath.Join(dir, "no-such-dir", "x.md"))
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "no-such-dir")
}

// TestCLIInventoryOnlyGets: the command sends GETs only, whatever it is asked; a recording proxy sees every method.
func TestCLIInventoryOnlyGets(t *testing.T) {
	srv := mocktest.Start(t)
	var mu sync.Mutex
	var methods []string
	rec := proxytest.Rewrite(t, srv.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		mu.Lock()
		defer mu.Unlock()
		methods = append(methods, in.Method+" "+in.Path)
	})
	res := glcontract(t, map[string]string{"GITLAB_URL": rec.URL, "GITLAB_TOKEN": rootToken},
		"inventory", "--group", "platform", "--group", "10", "--project", "demo-group/demo", "--project", "5", "--instance")
	require.Equal(t, 1, res.code, res.stderr)
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, methods)
	for _, m := range methods {
		require.True(t, strings.HasPrefix(m, http.MethodGet+" "), m)
	}
}

// TestCLIInventoryRedirectNotFollowed: a redirect to another origin stops it (exit 2) and the
// other origin sees nothing.
func TestCLIInventoryRedirectNotFollowed(t *testing.T) {
	mock := mocktest.Start(t)
	other := proxytest.NewRecorder(t, false)
	target := redirecting(t, mock.URL, other.URL, http.StatusFound, func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/clusters")
	})
	res := glcontract(t, map[string]string{"GITLAB_URL": target.URL, "GITLAB_TOKEN": rootToken}, "inventory", "--instance")
	require.Equal(t, 2, res.code, res.stdout)
	require.Contains(t, res.stderr, "redirect")
	require.Empty(t, other.Seen())
}

// TestInventoryExitStatusIsDocumented: inventory --help, the README and contract/README.md say the same thing.
func TestInventoryExitStatusIsDocumented(t *testing.T) {
	r := glcontract(t, nil, "inventory", "--help")
	require.Contains(t, r.stdout, inventoryExitStatus)
	for _, f := range []string{"../../README.md", "../../contract/README.md"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Contains(t, string(b), "```text\n"+inventoryExitStatus+"```", f)
	}
}

// TestCLIInventoryUnavailable: a target that keeps answering 503 is unavailable (exit 2), not "no clusters".
func TestCLIInventoryUnavailable(t *testing.T) {
	mock := mocktest.Start(t)
	down := proxytest.Rewrite(t, mock.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		if strings.HasPrefix(in.Path, "/admin/clusters") {
			out.Status, out.Body = http.StatusServiceUnavailable, []byte(`{"message":"503 Service Unavailable"}`)
		}
	})
	res := glcontract(t, map[string]string{"GITLAB_URL": down.URL, "GITLAB_TOKEN": rootToken}, "inventory", "--instance")
	require.Equal(t, 2, res.code, res.stdout)
	require.Contains(t, res.stderr, "target unavailable: GET "+down.URL+"/api/v4/admin/clusters?per_page=100&page=1 answered 503")
	require.Empty(t, res.stdout)
}

// TestCLIInventoryGroupByPath (issue 20): a group named by its full path is looked up through
// GET /groups/:id as against GitLab, so --group demo-group finds what --group 10 finds; a
// group the token cannot see is a problem naming the lookup (exit 3), not a 403 about roles.
func TestCLIInventoryGroupByPath(t *testing.T) {
	srv := mocktest.Start(t)
	env := map[string]string{"GITLAB_URL": srv.URL, "GITLAB_TOKEN": "maintainer-token"}
	type inventory struct {
		Clusters []struct {
			Kind, Where, Name string
			ID                int64
			Enabled           *bool
		}
		ExitCode int `json:"exit_code"`
	}
	read := func(args ...string) inventory {
		t.Helper()
		res := glcontract(t, env, append([]string{"inventory", "--json", "-"}, args...)...)
		var inv inventory
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &inv), "%s\nstderr: %s", res.stdout, res.stderr)
		require.Equal(t, inv.ExitCode, res.code)
		return inv
	}
	byID, byPath := read("--group", "10"), read("--group", "demo-group")
	require.Equal(t, 1, byID.ExitCode, "clusters found")
	require.NotEmpty(t, byID.Clusters)
	require.Equal(t, byID, byPath)

	res := glcontract(t, map[string]string{"GITLAB_URL": srv.URL, "GITLAB_TOKEN": "outsider-token"}, "inventory", "--group", "platform")
	require.Equal(t, 3, res.code, res.stdout+res.stderr)
	require.Contains(t, res.stdout, "GET /groups/platform: 404: the group does not exist, or the token's user cannot see it")
}
