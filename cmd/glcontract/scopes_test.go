package main

import (
	"encoding/json"
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

// clusterLists are the three lists a run must leave as it found them (seed: project 1, group 12).
var clusterLists = []string{"/projects/1/clusters", "/groups/12/clusters", "/admin/clusters"}

func requireNoLeftovers(t *testing.T, mockURL string) {
	t.Helper()
	for _, p := range clusterLists {
		require.Empty(t, proxytest.GlcontractClustersAt(t, mockURL, rootToken, p), "left behind in %s", p)
	}
}

// TestCLIGroupAndInstance drives check with --group and --instance, alone and with --project, as a
// user types them: the verdict, what the report says was checked, and nothing left behind.
func TestCLIGroupAndInstance(t *testing.T) {
	for _, tc := range []struct {
		name, token string
		args        []string
		code        int
		stdout      []string // in the console report
		stderr      string
	}{
		{"group by id, write", "maintainer-token", []string{"--group", "12", "--write"}, 0,
			[]string{"glcontract pass", "run ", ", group 12, user maintainer, write,"}, ""},
		{"group by path, read-only, developer", "developer-token", []string{"--group", "platform"}, 0,
			[]string{"glcontract pass", ", group platform, user developer, read-only,"}, ""},
		{"instance, root, write", rootToken, []string{"--instance", "--write"}, 0,
			[]string{"glcontract pass", ", instance, user root, write,"}, ""},
		{"all three at once", rootToken, []string{"--project", "1", "--group", "12", "--instance", "--write"}, 0,
			[]string{"glcontract pass", ", project 1, group 12, instance, user root, write,"}, ""},
		{"instance, not an admin", "maintainer-token", []string{"--instance", "--write"}, 2,
			[]string{"ABORTED: usage error: the token's user is not an administrator (403 Forbidden): --instance needs an administrator's token"}, "--instance needs an administrator's token"},
		{"group, reporter", "reporter-token", []string{"--group", "12"}, 2,
			[]string{"it needs the Developer role or higher in the group"}, "(403)"},
		{"group, developer writes", "developer-token", []string{"--group", "12", "--write"}, 2,
			[]string{"--write needs the Maintainer role in the group"}, "(403)"},
		{"missing group", "maintainer-token", []string{"--group", "no-such/group"}, 2,
			[]string{"group no-such/group not found, or not visible to this token: check --group"}, "check --group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := mocktest.Start(t)
			r := glcontract(t, map[string]string{"GITLAB_TOKEN": tc.token}, append([]string{"check", "--url", srv.URL}, tc.args...)...)
			require.Equal(t, tc.code, r.code, r.stdout+r.stderr)
			for _, s := range tc.stdout {
				require.Contains(t, r.stdout, s)
			}
			require.Contains(t, r.stderr, tc.stderr)
			require.NotContains(t, r.stdout+r.stderr, tc.token)
			requireNoLeftovers(t, srv.URL)
		})
	}
}

// TestCLIScopeUsageErrors: a check or a sweep that names no clusters to look at, or a blank
// --group, is a usage error that says what is missing.
func TestCLIScopeUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--url", "http://127.0.0.1:1", "--token", "t"},
		{"sweep", "--url", "http://127.0.0.1:1", "--token", "t"},
		{"check", "--url", "http://127.0.0.1:1", "--token", "t", "--group", ""},
	} {
		r := glcontract(t, nil, args...)
		require.Equal(t, 2, r.code, args)
		require.Contains(t, r.stderr, "missing the clusters to look at: --project ID|PATH (or GITLAB_PROJECT), --group ID|PATH or --instance", args)
	}
	for _, args := range [][]string{
		{"check", "--url", "http://127.0.0.1:1", "--token", "t", "--group", "  "},
		{"sweep", "--url", "http://127.0.0.1:1", "--token", "t", "--group", "  "},
	} {
		r := glcontract(t, nil, args...)
		require.Equal(t, 2, r.code, args)
		require.Contains(t, r.stderr, "--group", args)
	}
	r := glcontract(t, nil, "check", "--help")
	for _, f := range []string{"-group ID", "-instance", "--project 42 --group platform --instance"} {
		require.Contains(t, r.stdout, f)
	}
	r = glcontract(t, nil, "sweep", "--help")
	require.Contains(t, r.stdout, "--group platform --instance --dry-run")
}

// TestCLISweepGroupAndInstance: sweep --group --instance lists and deletes only glcontract
// leftovers there, saying where each was.
func TestCLISweepGroupAndInstance(t *testing.T) {
	srv := mocktest.Start(t)
	const run = "20250101t000000-abcdef"
	proxytest.CreateClusterAt(t, srv.URL, rootToken, "/groups/12/clusters/user", "glcontract-"+run, "glcontract/"+run)
	proxytest.CreateClusterAt(t, srv.URL, rootToken, "/admin/clusters/add", "glcontract-"+run, "glcontract/"+run)
	proxytest.CreateClusterAt(t, srv.URL, rootToken, "/admin/clusters/add", "glcontract-"+run+"-prod", "production")
	env := map[string]string{"GITLAB_URL": srv.URL, "GITLAB_TOKEN": rootToken}
	r := glcontract(t, env, "sweep", "--group", "platform", "--instance", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, `would delete cluster 20 "glcontract-`+run+`" in group platform (scope "glcontract/`+run+`"`)
	require.Contains(t, r.stdout, `would delete cluster 21 "glcontract-`+run+`" in instance`)
	require.Contains(t, r.stdout, "2 leftover(s) of glcontract runs in group platform, instance")
	require.NotContains(t, r.stdout, "-prod")

	r = glcontract(t, env, "sweep", "--group", "12", "--instance")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "deleted cluster 20")
	require.Contains(t, r.stdout, "deleted cluster 21")
	require.Empty(t, proxytest.GlcontractClustersAt(t, srv.URL, rootToken, "/groups/12/clusters"))
	require.Equal(t, []string{"glcontract-" + run + "-prod"}, proxytest.GlcontractClustersAt(t, srv.URL, rootToken, "/admin/clusters"))

	// a non-admin cannot list the instance's clusters: exit 2, nothing deleted
	r = glcontract(t, map[string]string{"GITLAB_URL": srv.URL, "GITLAB_TOKEN": "maintainer-token"}, "sweep", "--instance")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "list clusters of instance: status 403")
	require.NotContains(t, r.stderr, "maintainer-token")
}

// TestCLIGroupBaselineDrift: a baseline saved with --project and --group, then a run against a
// target whose group cluster changed: exit 1, and the drift names the group's steps only.
func TestCLIGroupBaselineDrift(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithExternalURL("https://gitlab.example.com"))
	dir := t.TempDir()
	before, md, js := filepath.Join(dir, "before.json"), filepath.Join(dir, "upgrade.md"), filepath.Join(dir, "after.json")
	env := map[string]string{"GITLAB_TOKEN": rootToken}
	r := glcontract(t, env, "check", "--url", srv.URL, "--project", "1", "--group", "12", "--save-baseline", before)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stderr, "saved baseline "+before)

	proxy := proxytest.Rewrite(t, srv.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		if strings.HasPrefix(in.Path, "/groups/12/clusters") {
			out.EachCluster(func(c map[string]any) { c["managed"] = false })
		}
	})
	r = glcontract(t, env, "check", "--url", proxy.URL, "--project", "1", "--group", "12", "--baseline", before, "--markdown", md, "--json", js)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "[changed/value] group-read/get listed cluster [16] $.managed")
	require.NotContains(t, r.stdout, "] read/")
	b, err := os.ReadFile(md)
	require.NoError(t, err)
	require.Contains(t, string(b), "| Group | 12 |")
	b, err = os.ReadFile(js)
	require.NoError(t, err)
	var rep contract.Report
	require.NoError(t, json.Unmarshal(b, &rep))
	require.Equal(t, contract.Target{URL: proxy.URL, Version: rep.Target.Version, Revision: rep.Target.Revision, User: "root", Project: "1", Group: "12"}, rep.Target)
	for _, d := range rep.Drift {
		require.True(t, strings.HasPrefix(d.Key, "group-read/"), "drift outside the group: %s", d)
	}
}

// TestCLIProjectOnlyReportsUnchanged: a project-only run says what it always said (no group or
// instance in the console line, the JSON target or the Markdown table).
func TestCLIProjectOnlyReportsUnchanged(t *testing.T) {
	srv := mocktest.Start(t)
	dir := t.TempDir()
	js, md := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	r := glcontract(t, map[string]string{"GITLAB_TOKEN": rootToken}, "check", "--url", srv.URL, "--project", "1", "--json", js, "--markdown", md)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Regexp(t, `\nrun \S+, project 1, user root, read-only, \d+ ms\n`, r.stdout)
	b, err := os.ReadFile(js)
	require.NoError(t, err)
	require.NotContains(t, string(b), `"group"`)
	require.NotContains(t, string(b), `"instance"`)
	require.NotContains(t, string(b), "group-read")
	b, err = os.ReadFile(md)
	require.NoError(t, err)
	require.Contains(t, string(b), "| Project | 1 |")
	require.NotContains(t, string(b), "| Group |")
	require.NotContains(t, string(b), "| Instance |")
}
