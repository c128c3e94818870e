package contract_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver"
)

// The seed's group (12, path platform) and the lists a run must leave as it found them.
const (
	seedGroupID   = "12"
	seedGroupPath = "platform"
)

var clusterLists = map[string]string{"project": "/projects/1/clusters", "group": "/groups/12/clusters", "instance": "/admin/clusters"}

// leftovers lists the glcontract clusters of every scope, straight from the mock.
func leftovers(t testing.TB, mockURL string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for scope, p := range clusterLists {
		if names := proxytest.GlcontractClustersAt(t, mockURL, rootToken, p); len(names) > 0 {
			out[scope] = names
		}
	}
	return out
}

// stepsOf lists the scenario names of the steps that ran, once each, in order.
func scenariosOf(rep *contract.Report) []string {
	var out []string
	for _, s := range rep.Steps {
		if len(out) == 0 || out[len(out)-1] != s.Scenario {
			out = append(out, s.Scenario)
		}
	}
	return out
}

// TestGroupAndInstanceScopesAgainstMock runs the suite, read-only and with --write, for each
// scope and for several at once: every step passes, nothing is left behind, and the report says
// which clusters were checked.
func TestGroupAndInstanceScopesAgainstMock(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfg       contract.Config
		scenarios []string
		scopes    string
	}{
		{"group by id", contract.Config{Group: seedGroupID}, []string{"read", "group-read", "group-write"}, "group 12"},
		{"group by path", contract.Config{Group: seedGroupPath}, []string{"read", "group-read", "group-write"}, "group platform"},
		{"instance", contract.Config{Instance: true}, []string{"read", "instance-read", "instance-write"}, "instance"},
		{"all three", contract.Config{Project: project, Group: seedGroupID, Instance: true},
			[]string{"read", "write", "group-read", "group-write", "instance-read", "instance-write"}, "project 1, group 12, instance"},
	} {
		for _, write := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{true: " write", false: " read-only"}[write], func(t *testing.T) {
				srv := startMock(t)
				rep := runSuite(t, srv.URL, func(c *contract.Config) {
					c.Project, c.Group, c.Instance, c.Write, c.Strict = tc.cfg.Project, tc.cfg.Group, tc.cfg.Instance, write, true
				})
				require.Equal(t, contract.ResultPass, rep.Result, findingTexts(rep))
				require.Empty(t, rep.Findings, findingTexts(rep))
				want := tc.scenarios
				if !write {
					want = slicesWithout(want, "-write", "write")
				}
				require.Equal(t, want, scenariosOf(rep))
				for _, s := range rep.Steps {
					require.Equal(t, contract.OutcomePass, s.Outcome, "%s/%s: %s", s.Scenario, s.Step, s.Detail)
					if s.Scenario == "read" && s.Step != "version" && s.Step != "user" {
						require.NotEmpty(t, tc.cfg.Project, "a project step ran without --project: %s", s.Step)
					}
				}
				require.Equal(t, tc.scopes, rep.Target.Scopes())
				var out strings.Builder
				require.NoError(t, contract.WriteConsole(&out, rep))
				require.Contains(t, out.String(), ", "+tc.scopes+", user root,")
				require.Empty(t, leftovers(t, srv.URL), "the run left clusters behind")
			})
		}
	}
}

func slicesWithout(in []string, suffixes ...string) []string {
	var out []string
next:
	for _, s := range in {
		for _, suf := range suffixes {
			if strings.HasSuffix(s, suf) {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

// TestScopesAgainstLiveInstance runs the group and instance scenarios against GITLAB_URL
// (GITLAB_GROUP; GLCONTRACT_LIVE_INSTANCE=1 with an administrator's token), read-only unless
// GLCONTRACT_LIVE_WRITE=1, and is skipped without them.
func TestScopesAgainstLiveInstance(t *testing.T) {
	url, token, group, instance, write := liveScopes(t)
	rep, err := contract.Run(context.Background(), contract.Config{URL: url, Token: token, Group: group, Instance: instance, Write: write})
	require.NoError(t, err)
	require.Contains(t, []contract.Result{contract.ResultPass, contract.ResultSkipped}, rep.Result, findingTexts(rep))
}

// TestInstanceNeedsAnAdmin: --instance with a token that is not an administrator's ends the run
// as a usage error (exit 2) that says so, before anything is written; with a token that cannot
// read the group, --group says which role it needs.
func TestInstanceNeedsAnAdmin(t *testing.T) {
	for _, tc := range []struct {
		name, token string
		cfg         contract.Config
		reason      string
	}{
		{"instance, maintainer", "maintainer-token", contract.Config{Instance: true, Write: true}, "the token's user is not an administrator (403 Forbidden): --instance needs an administrator's token"},
		{"group, reporter", "reporter-token", contract.Config{Group: seedGroupPath}, "the token's user cannot read the clusters of group platform (403): it needs the Developer role or higher"},
		{"group, developer writes", "developer-token", contract.Config{Group: seedGroupID, Write: true}, "the token cannot add clusters to group 12 (403): --write needs the Maintainer role in the group"},
		{"missing group", "maintainer-token", contract.Config{Group: "no-such-group/sub"}, "group no-such-group/sub not found, or not visible to this token: check --group"},
		{"group 13 is not the developer's", "developer-token", contract.Config{Group: "13"}, "the token's user cannot read the clusters of group 13 (403)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startMock(t)
			cfg := tc.cfg
			cfg.URL, cfg.Token, cfg.Client = srv.URL, tc.token, fastClient()
			rep, err := contract.Run(context.Background(), cfg)
			require.ErrorIs(t, err, contract.ErrUsage)
			require.Equal(t, contract.ResultAborted, rep.Result)
			require.Equal(t, 2, rep.ExitCode())
			require.Contains(t, rep.Reason, tc.reason)
			require.Empty(t, leftovers(t, srv.URL))
		})
	}
}

// TestScopesNeedOne: a run with neither project, group nor instance is a usage error.
func TestScopesNeedOne(t *testing.T) {
	rep, err := contract.Run(context.Background(), contract.Config{URL: "http://127.0.0.1:1", Token: rootToken, Group: "  "})
	require.ErrorIs(t, err, contract.ErrUsage)
	require.Contains(t, err.Error(), "give --project (or GITLAB_PROJECT), --group or --instance")
	require.Equal(t, 2, rep.ExitCode())
}

// TestGroupAndInstanceCleanup: whatever stops a write run (Ctrl-C right after a group or instance
// create, a refused delete, a create whose answer is lost), it leaves no cluster of its own in
// any scope, and nobody else's is touched.
func TestGroupAndInstanceCleanup(t *testing.T) {
	all := contract.Config{Project: project, Group: seedGroupID, Instance: true, Write: true}
	t.Run("cancel after create", func(t *testing.T) {
		for _, createPath := range []string{"/groups/12/clusters/user", "/admin/clusters/add"} {
			srv := startMock(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
				if in.Method == "POST" && in.Path == createPath && out.Status == 201 {
					cancel()
				}
			})
			cfg := all
			cfg.URL, cfg.Token, cfg.Client = proxy.URL, rootToken, fastClient()
			rep, err := contract.Run(ctx, cfg)
			require.ErrorIs(t, err, context.Canceled, createPath)
			require.Equal(t, contract.ResultInterrupted, rep.Result)
			require.NotEmpty(t, rep.Cleanup)
			for _, c := range rep.Cleanup {
				require.True(t, c.OK, c.Detail)
			}
			require.Empty(t, leftovers(t, srv.URL), "cleanup after cancel at %s", createPath)
		}
	})
	t.Run("refused delete", func(t *testing.T) {
		srv := startMock(t)
		// the first DELETE of the run is the group's "delete second": refused, not forwarded
		refusing := refuseFirst(t, srv.URL, "DELETE")
		rep := runSuite(t, refusing.URL, func(c *contract.Config) { c.Project, c.Group, c.Instance = "", seedGroupID, true })
		require.Equal(t, contract.ResultFail, rep.Result)
		require.Contains(t, findingTexts(rep), "group-write/delete second")
		require.NotEmpty(t, rep.Cleanup)
		for _, c := range rep.Cleanup {
			require.True(t, c.OK, c.Detail)
		}
		require.Empty(t, leftovers(t, srv.URL), "cleanup must delete the clusters")
	})
	t.Run("lost create answer", func(t *testing.T) {
		srv := startMock(t)
		lost := map[string]bool{} // the first create of each scope
		proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
			if in.Method == "POST" && (in.Path == "/groups/platform/clusters/user" || in.Path == "/admin/clusters/add") && out.Status == 201 && !lost[in.Path] {
				lost[in.Path] = true
				out.Status, out.Body = 502, []byte(`{"message":"502 Bad Gateway"}`)
			}
		})
		rep := runSuite(t, proxy.URL, func(c *contract.Config) { c.Project, c.Group, c.Instance = "", seedGroupPath, true })
		require.Len(t, lost, 2)
		require.Equal(t, contract.ResultFail, rep.Result)
		var swept []string
		for _, c := range rep.Cleanup {
			require.True(t, c.OK, c.Detail)
			if strings.Contains(c.Detail, "its create response was never seen") {
				swept = append(swept, c.Request)
			}
		}
		require.Len(t, swept, 2, "%+v", rep.Cleanup)
		require.Regexp(t, `^DELETE /api/v4/groups/platform/clusters/\d+$`, swept[0])
		require.Regexp(t, `^DELETE /api/v4/admin/clusters/\d+$`, swept[1])
		require.Empty(t, leftovers(t, srv.URL))
	})
}

// TestSweepGroupAndInstance: sweep finds the leftovers of glcontract runs in a group and on the
// instance, deletes those (or only one run's), and leaves every other cluster alone.
func TestSweepGroupAndInstance(t *testing.T) {
	srv := startMock(t)
	const run1, run2 = "20250101t000000-abcdef", "20250202t000000-123456"
	for _, create := range []string{"/groups/12/clusters/user", "/admin/clusters/add"} {
		proxytest.CreateClusterAt(t, srv.URL, rootToken, create, "glcontract-"+run1, "glcontract/"+run1)
		proxytest.CreateClusterAt(t, srv.URL, rootToken, create, "glcontract-"+run2+"-second", "glcontract/"+run2+"/second")
		proxytest.CreateClusterAt(t, srv.URL, rootToken, create, "glcontract-"+run1+"-prod", "production") // scope lacks the marker
	}
	cfg := contract.SweepConfig{URL: srv.URL, Token: rootToken, Group: seedGroupPath, Instance: true, DryRun: true, Client: fastClient()}
	found, err := contract.Sweep(context.Background(), cfg)
	require.NoError(t, err)
	var where []string
	for _, c := range found {
		require.False(t, c.Deleted)
		where = append(where, c.Where+" "+c.Name)
	}
	require.Equal(t, []string{"group platform glcontract-" + run1, "group platform glcontract-" + run2 + "-second",
		"instance glcontract-" + run1, "instance glcontract-" + run2 + "-second"}, where)
	require.Len(t, leftovers(t, srv.URL)["group"], 3, "a dry run deletes nothing")

	cfg.DryRun, cfg.RunID = false, run1
	found, err = contract.Sweep(context.Background(), cfg)
	require.NoError(t, err)
	require.Len(t, found, 2)
	for _, c := range found {
		require.True(t, c.Deleted, c.Detail)
	}
	want := []string{"glcontract-" + run2 + "-second", "glcontract-" + run1 + "-prod"}
	require.ElementsMatch(t, want, leftovers(t, srv.URL)["group"])
	require.ElementsMatch(t, want, leftovers(t, srv.URL)["instance"])

	// the instance's list needs an administrator: the sweep says so and deletes nothing
	cfg.Token, cfg.RunID = "maintainer-token", ""
	_, err = contract.Sweep(context.Background(), cfg)
	require.ErrorContains(t, err, "list clusters of instance: status 403")
	require.ElementsMatch(t, want, leftovers(t, srv.URL)["group"])
}

// TestGroupDriftAgainstBaseline: a baseline saved from a run of a project and a group, then a
// target whose group clusters changed a field: the drift names the group's step, and the
// project's steps (saved under their own keys) show none.
func TestGroupDriftAgainstBaseline(t *testing.T) {
	srv := startMock(t, mockserver.WithExternalURL("https://gitlab.example.com")) // web_url the same through the proxy
	scopes := func(c *contract.Config) { c.Group, c.LearnVolatile = seedGroupID, true }
	before := runSuite(t, srv.URL, scopes)
	require.Equal(t, contract.ResultPass, before.Result, findingTexts(before))
	file := filepath.Join(t.TempDir(), "before.json")
	require.NoError(t, contract.SaveRun(file, before.SavedRun()))
	saved, err := contract.LoadRun(file)
	require.NoError(t, err)
	keys := map[string]bool{}
	for _, ex := range saved.Exchanges {
		require.False(t, keys[ex.Key], "two exchanges saved as %s", ex.Key)
		keys[ex.Key] = true
	}
	require.True(t, keys["read/list clusters"] && keys["group-read/list clusters"], "%v", keys)

	proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
		if strings.HasPrefix(in.Path, "/groups/") {
			out.EachCluster(func(c map[string]any) {
				if c["name"] == "group-cluster-1" {
					c["domain"] = "drifted.example.com"
				}
			})
		}
	})
	after := runSuite(t, proxy.URL, func(c *contract.Config) { c.Group = seedGroupID })
	require.Equal(t, contract.ResultPass, after.Result, findingTexts(after))
	after.CompareWith(saved, file)
	require.Equal(t, 1, after.ExitCode())
	var drift []string
	for _, d := range after.Drift {
		drift = append(drift, d.String())
	}
	text := strings.Join(drift, "\n")
	require.Contains(t, text, "group-read/get listed cluster [16]")
	require.Contains(t, text, "drifted.example.com")
	require.NotContains(t, text, "read/list clusters#", "the project's exchanges did not change")
	for _, d := range drift {
		require.Contains(t, d, "] group-", "drift outside the group scope")
	}
}

// TestUndeclaredGroupFieldIsStillFound: a group cluster (ClusterGroup, an allOf of an allOf)
// with a field the spec does not declare is a finding in strict mode.
func TestUndeclaredGroupFieldIsStillFound(t *testing.T) {
	srv := startMock(t)
	proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
		if strings.HasPrefix(in.Path, "/groups/12/clusters/16") {
			out.EachCluster(func(c map[string]any) { c["agent_id"] = 7 })
		}
	})
	rep := runSuite(t, proxy.URL, func(c *contract.Config) { c.Project, c.Group, c.Write, c.Strict = "", seedGroupID, false, true })
	require.Equal(t, contract.ResultFail, rep.Result)
	require.Contains(t, findingTexts(rep), "group-read/get listed cluster [16]: GET /api/v4/groups/12/clusters/16 $.agent_id: field $.agent_id is not declared in the spec")
	require.Len(t, rep.Errors(), 1, findingTexts(rep))
}

// TestScopeNotInThisVersion: GitLab 12.10 has group clusters but no instance clusters (13.2).
// --instance there ends the run as skipped where the instance's list answers the catch-all 404,
// after the project's and the group's steps ran; the cleanup does not look for leftovers in a
// list the run never wrote to.
func TestScopeNotInThisVersion(t *testing.T) {
	srv := startMock(t, mockserver.WithGitLabVersion("12.10"))
	rep := runSuite(t, srv.URL, func(c *contract.Config) { c.Group, c.Instance, c.Write = seedGroupID, true, false })
	require.Equal(t, contract.ResultSkipped, rep.Result, findingTexts(rep))
	require.Equal(t, "instance clusters API not present on this instance (before 13.2, or removed in this version?)", rep.Reason)
	require.Equal(t, []string{"read", "group-read", "instance-read"}, scenariosOf(rep))
	require.Empty(t, rep.Errors(), findingTexts(rep))

	// the project's writes ran (and failed: 12.10 allows one cluster per project), then the
	// instance's list was not there
	rep = runSuite(t, srv.URL, func(c *contract.Config) { c.Instance = true })
	require.Equal(t, []string{"read", "write", "instance-read"}, scenariosOf(rep))
	require.NotContains(t, findingTexts(rep), "cleanup", "no leftover search in the instance's missing list")
	require.NotContains(t, findingTexts(rep), "/admin/clusters")
	require.Empty(t, glcontractClusters(t, srv.URL))
}
