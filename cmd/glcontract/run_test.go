package main

import (
	"encoding/json"
	"encoding/xml"
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

func TestCLIHelp(t *testing.T) {
	cases := []struct {
		args  []string
		flags []string
	}{
		{[]string{"--help"}, []string{"check", "diff", "sweep", "Exit status"}},
		{[]string{"check", "--help"}, []string{"-url", "-token", "-project", "-write", "-strict", "-json", "-junit", "-markdown",
			"-save-baseline", "-baseline", "-scenarios", "-run-id", "GITLAB_URL", "GITLAB_TOKEN", "GITLAB_PROJECT", "Examples:"}},
		{[]string{"diff", "-h"}, []string{"BEFORE.json AFTER.json", "-markdown", "-strict", "Example:"}},
		{[]string{"sweep", "--help"}, []string{"-run-id", "-dry-run", "glcontract/<run id>", "Examples:"}},
	}
	for _, tc := range cases {
		r := glcontract(t, nil, tc.args...)
		require.Equal(t, 0, r.code, tc.args)
		for _, f := range tc.flags {
			require.Contains(t, r.stdout, f, tc.args)
		}
	}
	// every flag's help has an example
	for _, cmd := range []string{"check", "diff", "sweep"} {
		r := glcontract(t, nil, cmd, "--help")
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "    \t") {
				require.Contains(t, line, "e.g.", "%s: flag help without an example", cmd)
			}
		}
	}
}

func TestCLIUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"check"},                      // no url, token, project
		{"check", "--url", "http://x"}, // no token
		{"check", "--nope"},            // unknown flag
		{"check", "--url", "ftp://x", "--token", "t", "--project", "1"}, // not http
		{"check", "--url", "http://x", "--token", "t", "--project", "1", "--run-id", "bad"},
		{"check", "--url", "http://x", "--token", "t", "--project", "1", "--baseline", "/nonexistent.json"},
		{"sweep"},
		{"diff", "only-one.json"},
	} {
		r := glcontract(t, nil, args...)
		require.Equal(t, 2, r.code, "%v: %s%s", args, r.stdout, r.stderr)
	}
}

func TestCLIUnreachable(t *testing.T) {
	r := glcontract(t, nil, "check", "--url", "http://127.0.0.1:1", "--token", "t", "--project", "1")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "target unreachable")
}

func TestCLIEnvFallbacksAndReports(t *testing.T) {
	srv := mocktest.Start(t)
	dir := t.TempDir()
	env := map[string]string{"GITLAB_URL": srv.URL + "/api/v4/", "GITLAB_TOKEN": rootToken, "GITLAB_PROJECT": "demo-group/demo"}
	j, x, m := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.md")
	r := glcontract(t, env, "check", "--write", "--json", j, "--junit", x, "--markdown", m)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "glcontract pass against "+srv.URL)
	require.Contains(t, r.stdout, "project demo-group/demo")

	var rep contract.Report
	b, err := os.ReadFile(j)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	require.Equal(t, contract.ResultPass, rep.Result)
	require.True(t, rep.Write)

	b, err = os.ReadFile(x)
	require.NoError(t, err)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b, &suites))
	require.Equal(t, 0, suites.Failures)
	require.GreaterOrEqual(t, suites.Tests, 18)
	require.Equal(t, "read", suites.Suites[0].Name)

	b, err = os.ReadFile(m)
	require.NoError(t, err)
	require.Contains(t, string(b), "## GitLab clusters API contract: PASS")
}

func TestCLIFlagOff(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithFeature("certificate_based_clusters", false))
	r := glcontract(t, nil, "check", "--url", srv.URL, "--token", rootToken, "--project", project, "--write")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "clusters API disabled on this instance (certificate_based_clusters)")
}

func TestCLIFindingsExitOne(t *testing.T) {
	srv := mocktest.Start(t)
	proxy := proxytest.Rewrite(t, srv.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		out.EachCluster(func(c map[string]any) { delete(c, "cluster_type") })
	})
	r := glcontract(t, map[string]string{"GITLAB_TOKEN": rootToken}, "check", "--url", proxy.URL, "--project", project)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stdout, "required field cluster_type is missing")
	require.Contains(t, r.stdout, "spec: openapi.yaml:")
	require.Contains(t, r.stdout, "repro: curl")
}

func TestCLICustomScenarios(t *testing.T) {
	srv := mocktest.Start(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "only.json"), []byte(`{"name":"mine","steps":[
		{"name":"version","request":{"method":"GET","path":"/version"},"expect":{"status":200}}]}`), 0o600))
	r := glcontract(t, nil, "check", "--url", srv.URL, "--token", rootToken, "--project", project, "--scenarios", dir)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "steps: 1 passed")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"name":"bad","steps":[{"name":"x","request":{"method":"POST","path":"/x"},"expect":{"status":200}}]}`), 0o600))
	r = glcontract(t, nil, "check", "--url", srv.URL, "--token", rootToken, "--project", project, "--scenarios", dir)
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, `without "write": true`)
}

func TestCLISweep(t *testing.T) {
	srv := mocktest.Start(t)
	proxytest.CreateCluster(t, srv.URL, rootToken, "glcontract-20250101t000000-abcdef", "glcontract/20250101t000000-abcdef")
	env := map[string]string{"GITLAB_URL": srv.URL, "GITLAB_TOKEN": rootToken, "GITLAB_PROJECT": project}
	r := glcontract(t, env, "sweep", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, `would delete cluster 20 "glcontract-20250101t000000-abcdef"`)
	require.Len(t, proxytest.GlcontractClusters(t, srv.URL, rootToken), 1)
	r = glcontract(t, env, "sweep")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "deleted cluster 20")
	require.Empty(t, proxytest.GlcontractClusters(t, srv.URL, rootToken))
}
