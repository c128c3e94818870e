package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

func inventory(t *testing.T, url, token string, mod func(*contract.InventoryConfig)) *contract.Inventory {
	t.Helper()
	cfg := contract.InventoryConfig{URL: url, Token: token, Client: fastClient()}
	mod(&cfg)
	inv, err := contract.RunInventory(context.Background(), cfg)
	require.NoError(t, err)
	return inv
}

// row is a cluster as a line a test can compare: kind, where, id, name, enabled, managed, scope.
func rows(inv *contract.Inventory) []string {
	var out []string
	b := func(p *bool) string {
		if p == nil {
			return "?"
		}
		if *p {
			return "on"
		}
		return "off"
	}
	for _, c := range inv.Clusters {
		out = append(out, strings.Join([]string{c.Kind, c.Where, strconv.FormatInt(c.ID, 10), c.Name, b(c.Enabled), b(c.Managed), c.EnvironmentScope}, " "))
	}
	return out
}

func TestInventoryScopes(t *testing.T) {
	srv := mocktest.Start(t)
	for _, tc := range []struct {
		name     string
		token    string
		cfg      contract.InventoryConfig
		want     []string
		exit     int
		problems []string // scope: part of the message
	}{
		{name: "group by id through discovery, projects and instance", token: rootToken,
			cfg: contract.InventoryConfig{Groups: []string{"12"}, Projects: []string{"1", "demo-group/other"}, Instance: true},
			want: []string{"instance  17 instance-cluster-1 on on *", "group platform 16 group-cluster-1 on on *",
				"project demo-group/demo 18 cluster-1 on on *", "project demo-group/other 19 cluster-2 on on *"},
			exit: contract.InventoryCutOff},
		{name: "group by path (glmock has no groups API: the cluster's group gives the id)", token: "maintainer-token",
			cfg:  contract.InventoryConfig{Groups: []string{"platform"}},
			want: []string{"group platform 16 group-cluster-1 on on *"}, exit: contract.InventoryCutOff},
		{name: "discovery finds the projects of demo-group where the user is Maintainer", token: "maintainer-token",
			cfg:  contract.InventoryConfig{Groups: []string{"10"}},
			want: []string{"project demo-group/demo 18 cluster-1 on on *", "project demo-group/other 19 cluster-2 on on *"},
			exit: contract.InventoryCutOff},
		{name: "nothing in open-group", token: "maintainer-token",
			cfg: contract.InventoryConfig{Groups: []string{"13"}}, exit: contract.InventoryNone},
		{name: "non-admin --instance: 403 reported", token: "maintainer-token",
			cfg: contract.InventoryConfig{Instance: true}, exit: contract.InventoryIncomplete,
			problems: []string{"--instance: 403 Forbidden: the instance's clusters need an administrator's token"}},
		{name: "enabled clusters win over an unreadable scope", token: "maintainer-token",
			cfg:  contract.InventoryConfig{Projects: []string{"2"}, Instance: true},
			want: []string{"project demo-group/other 19 cluster-2 on on *"}, exit: contract.InventoryCutOff,
			problems: []string{"--instance: 403 Forbidden"}},
		{name: "unknown group", token: rootToken,
			cfg: contract.InventoryConfig{Groups: []string{"999"}}, exit: contract.InventoryIncomplete,
			problems: []string{"--group 999: 404 Group Not Found"}},
		{name: "reporter's role is too low", token: "reporter-token",
			cfg: contract.InventoryConfig{Projects: []string{"1"}}, exit: contract.InventoryIncomplete,
			problems: []string{"--project 1: 403 Forbidden: reading clusters needs the Developer role"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := inventory(t, srv.URL, tc.token, func(c *contract.InventoryConfig) {
				c.Groups, c.Projects, c.Instance = tc.cfg.Groups, tc.cfg.Projects, tc.cfg.Instance
			})
			require.Equal(t, tc.want, rows(inv))
			require.Equal(t, tc.exit, inv.Exit, inv.Verdict)
			var got []string
			for _, p := range inv.Problems {
				got = append(got, p.Scope+": "+p.Message)
			}
			require.Len(t, got, len(tc.problems), "%q", got)
			for i, p := range tc.problems {
				require.Contains(t, got[i], p)
			}
		})
	}
}

// TestInventoryDisabledClusterExitsZero: a disabled cluster is listed, but nothing is cut off.
func TestInventoryDisabledClusterExitsZero(t *testing.T) {
	srv := mocktest.Start(t)
	disable := proxytest.Rewrite(t, srv.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		out.EachCluster(func(c map[string]any) { c["enabled"] = false })
	})
	inv := inventory(t, disable.URL, rootToken, func(c *contract.InventoryConfig) { c.Projects = []string{"1"} })
	require.Equal(t, []string{"project demo-group/demo 18 cluster-1 off on *"}, rows(inv))
	require.Equal(t, contract.InventoryNone, inv.Exit)
	require.Equal(t, "already disabled: nothing changes in use; the API answers 404 for it", inv.Clusters[0].IfFlagOff)
}

// TestInventoryBeforeDiscovery: before 17.9 a group gives only its own clusters, and says so.
func TestInventoryBeforeDiscovery(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithGitLabVersion("17.8"), mockserver.WithFeature("certificate_based_clusters", true))
	inv := inventory(t, srv.URL, "maintainer-token", func(c *contract.InventoryConfig) { c.Groups = []string{"10", "platform"} })
	require.Equal(t, []string{"group platform 16 group-cluster-1 on on *"}, rows(inv), "demo-group's projects are not found without discovery")
	require.Equal(t, "17.8.0", inv.Target.Version)
	require.Len(t, inv.Notes, 2)
	require.Contains(t, inv.Notes[0], "--group 10: GitLab 17.8.0 has no discovery endpoint (from 17.9)")
	require.Equal(t, contract.InventoryCutOff, inv.Exit)
}

// TestInventoryFlagOff: with certificate_based_clusters off the cluster endpoints answer 404;
// discovery (no flag check) still names the clusters, whose state is then unknown.
func TestInventoryFlagOff(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithFeature("certificate_based_clusters", false))
	inv := inventory(t, srv.URL, rootToken, func(c *contract.InventoryConfig) {
		c.Groups, c.Projects, c.Instance = []string{"12"}, []string{"1"}, true
	})
	require.True(t, inv.Target.APIDisabled)
	require.Equal(t, []string{"group platform 16 group-cluster-1 ? ? "}, rows(inv))
	require.Equal(t, contract.InventoryIncomplete, inv.Exit)
	require.Contains(t, inv.Verdict, "the clusters API is disabled on this instance")
	require.Contains(t, inv.Verdict, "switch the flag on temporarily")
	var scopes []string
	for _, p := range inv.Problems {
		scopes = append(scopes, p.Scope)
		require.Equal(t, 404, p.Status)
	}
	require.Equal(t, []string{"--group 12: platform", "--project 1", "--instance"}, scopes)
}

// TestInventoryReadOnly: only GETs reach the server, whatever is asked.
func TestInventoryReadOnly(t *testing.T) {
	srv := mocktest.Start(t)
	var mu sync.Mutex
	methods := map[string]int{}
	rec := proxytest.Rewrite(t, srv.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		mu.Lock()
		methods[in.Method]++
		mu.Unlock()
	})
	inventory(t, rec.URL, rootToken, func(c *contract.InventoryConfig) {
		c.Groups, c.Projects, c.Instance = []string{"platform", "10"}, []string{"1", "5"}, true
	})
	mu.Lock()
	defer mu.Unlock()
	require.Greater(t, methods["GET"], 5)
	t.Logf("requests for 2 groups, 2 projects and the instance: %v", methods)
	require.Equal(t, map[string]int{"GET": methods["GET"]}, methods)
}

func TestInventoryStops(t *testing.T) {
	srv := mocktest.Start(t)
	for _, tc := range []struct {
		name  string
		cfg   contract.InventoryConfig
		isErr error
	}{
		{"no scope", contract.InventoryConfig{URL: srv.URL, Token: rootToken}, contract.ErrUsage},
		{"no token", contract.InventoryConfig{URL: srv.URL, Groups: []string{"12"}}, contract.ErrUsage},
		{"bad url", contract.InventoryConfig{URL: "gitlab.example.com", Token: rootToken, Groups: []string{"12"}}, contract.ErrUsage},
		{"empty group", contract.InventoryConfig{URL: srv.URL, Token: rootToken, Groups: []string{" "}}, contract.ErrUsage},
		{"bad escape", contract.InventoryConfig{URL: srv.URL, Token: rootToken, Projects: []string{"group%zz"}}, contract.ErrUsage},
		{"token refused", contract.InventoryConfig{URL: srv.URL, Token: "wrong-token", Instance: true}, contract.ErrTokenRefused},
		{"not GitLab", contract.InventoryConfig{URL: srv.URL + "/nothing-here", Token: rootToken, Instance: true}, contract.ErrNotGitLab},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Client = fastClient()
			inv, err := contract.RunInventory(context.Background(), tc.cfg)
			require.Nil(t, inv)
			require.True(t, errors.Is(err, tc.isErr), "%v", err)
			require.NotContains(t, err.Error(), "wrong-token")
		})
	}
}

// TestInventoryGolden pins the console and Markdown renderings (go test ./contract -run InventoryGolden -update).
func TestInventoryGolden(t *testing.T) {
	srv := mocktest.Start(t)
	inv := inventory(t, srv.URL, "maintainer-token", func(c *contract.InventoryConfig) {
		c.Groups, c.Projects, c.Instance = []string{"12", "10"}, []string{"demo-group/demo"}, true
	})
	for _, tc := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"inventory_console.golden", func(b *bytes.Buffer) error { return contract.WriteInventoryConsole(b, inv) }},
		{"inventory.md.golden", func(b *bytes.Buffer) error { return contract.WriteInventoryMarkdown(b, inv) }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tc.write(&b))
			got := strings.ReplaceAll(b.String(), srv.URL, "http://GITLAB")
			require.NotContains(t, got, "maintainer-token")
			path := filepath.Join("testdata", tc.file)
			if updating() {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./contract -run InventoryGolden -update to create it")
			require.Equal(t, string(want), got)
		})
	}
}

// TestInventoryJSONShape: the keys a script reads.
func TestInventoryJSONShape(t *testing.T) {
	srv := mocktest.Start(t)
	inv := inventory(t, srv.URL, rootToken, func(c *contract.InventoryConfig) { c.Instance = true })
	var b bytes.Buffer
	require.NoError(t, contract.WriteInventoryJSON(&b, inv))
	var got map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &got))
	require.ElementsMatch(t, []string{"tool", "target", "clusters", "problems", "notes", "summary", "feature", "exit_code", "verdict"}, keys(got))
	cl := got["clusters"].([]any)[0].(map[string]any)
	require.Equal(t, map[string]any{"kind": "instance", "where": "", "id": 17.0, "name": "instance-cluster-1", "enabled": true,
		"managed": true, "environment_scope": "*", "found_by": "--instance",
		"if_flag_off": "cut off: the API answers 404 for it and GitLab stops using it",
		"if_removed":  "cut off and gone with the feature"}, cl)
	require.Equal(t, map[string]any{"clusters": 1.0, "enabled": 1.0, "disabled": 0.0, "state_unknown": 0.0}, got["summary"])
	require.Equal(t, 1.0, got["exit_code"])
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// updating is -update, the flag report_test.go (package contract) registers in this test binary.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}
