package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestCLIMessagesSayWhatToDo: each message names what is wrong and what to do about it.
func TestCLIMessagesSayWhatToDo(t *testing.T) {
	mock := mocktest.Start(t)
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	r := glcontract(t, nil, "check", "--url", mock.URL, "--token", rootToken, "--project", "1", "--json", report)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	saved := filepath.Join(dir, "saved.json")
	r = glcontract(t, nil, "check", "--url", mock.URL, "--token", rootToken, "--project", "1", "--save-baseline", saved)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want []string // in stdout+stderr
		not  []string
	}{
		{"https against an http target", nil, []string{"check", "--url", strings.Replace(mock.URL, "http:", "https:", 1), "--token", rootToken, "--project", "1"}, 2,
			[]string{"server gave HTTP response to HTTPS client", "use an http:// --url"}, nil},
		{"only --url missing", map[string]string{"GITLAB_TOKEN": rootToken}, []string{"check", "--project", "1"}, 2,
			[]string{"glcontract check: missing --url (or GITLAB_URL): where GitLab is served"}, []string{"--token", "--project (or"}},
		{"only the clusters missing", map[string]string{"GITLAB_TOKEN": rootToken, "GITLAB_URL": mock.URL}, []string{"check"}, 2,
			[]string{"glcontract check: missing the clusters to look at: --project ID|PATH (or GITLAB_PROJECT), --group ID|PATH or --instance"}, []string{"--url (or", "--token (or"}},
		{"sweep without --token", nil, []string{"sweep", "--url", mock.URL, "--project", "1"}, 2,
			[]string{"glcontract sweep: missing --token (or GITLAB_TOKEN"}, []string{"--url (or"}},
		{"flags before the command", nil, []string{"--url", mock.URL, "check", "--project", "1"}, 2,
			[]string{"the command comes first, then its flags: glcontract check --url " + mock.URL + " --project 1"}, []string{"unknown command"}},
		{"diff --help has the exit status", nil, []string{"diff", "--help"}, 0,
			[]string{"Exit status:", "  1  drift", "  2  usage error; a file that is not a saved run"}, nil},
		{"diff of a --json report", nil, []string{"diff", saved, report}, 2,
			[]string{"report.json is a glcontract report (--json), not a saved run: save a run with glcontract check --save-baseline FILE"}, []string{`format ""`}},
		{"--baseline a --json report", nil, []string{"check", "--url", mock.URL, "--token", rootToken, "--project", "1", "--baseline", report}, 2,
			[]string{"not a saved run: save a run with glcontract check --save-baseline FILE"}, nil},
		{"top-level help lists inventory's exit 3", nil, []string{"--help"}, 0,
			[]string{exitStatusTable + "  3  inventory only: incomplete"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := glcontract(t, tc.env, tc.args...)
			require.Equal(t, tc.code, r.code, r.stdout+r.stderr)
			for _, s := range tc.want {
				require.Contains(t, r.stdout+r.stderr, s)
			}
			for _, s := range tc.not {
				require.NotContains(t, r.stdout+r.stderr, s)
			}
		})
	}
}

// TestCLIFlagOffSaysHowToSwitchItOn: check at 15.0 (flag off by default) against a 14.10
// baseline says the API is now disabled, and how to switch the flag on; its JUnit case is
// named "clusters API".
func TestCLIFlagOffSaysHowToSwitchItOn(t *testing.T) {
	base := filepath.Join(t.TempDir(), "before.json")
	r := glcontract(t, nil, "check", "--url", mocktest.Start(t, mockserver.WithGitLabVersion("14.10")).URL, "--token", rootToken, "--project", "1", "--save-baseline", base)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	md, junit := filepath.Join(t.TempDir(), "upgrade.md"), filepath.Join(t.TempDir(), "upgrade.xml")
	r = glcontract(t, nil, "check", "--url", mocktest.Start(t, mockserver.WithGitLabVersion("15.0")).URL, "--token", rootToken, "--project", "1",
		"--baseline", base, "--markdown", md, "--junit", junit)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	x, err := os.ReadFile(junit)
	require.NoError(t, err)
	require.Contains(t, string(x), `<testcase name="clusters API" classname="glcontract.drift.breaks-spec"`, "no trailing space")
	for _, s := range []string{"the clusters API was available in the baseline (GitLab 14.10.0) and is now disabled (or gone)",
		"switch the flag on (Feature.enable(:certificate_based_clusters) in a Rails console)"} {
		require.Contains(t, r.stdout, s)
		b, err := os.ReadFile(md)
		require.NoError(t, err)
		require.Contains(t, string(b), s)
	}
}

// TestCLIDiffMarkdownIsADiff: diff's Markdown is about the two runs and their drift, never a
// run's steps or cleanup.
func TestCLIDiffMarkdownIsADiff(t *testing.T) {
	mock := mocktest.Start(t)
	before, after := saveBaseline(t, mock.URL), saveBaseline(t, mock.URL)
	md := filepath.Join(t.TempDir(), "drift.md")
	r := glcontract(t, nil, "diff", before, after, "--markdown", md)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	b, err := os.ReadFile(md)
	require.NoError(t, err)
	page := string(b)
	for _, s := range []string{"## GitLab clusters API drift: PASS", "| Before | run `", "| After | run `", "| Drift | no drift |", "No behavioural drift since run"} {
		require.Contains(t, page, s)
	}
	for _, s := range []string{"Steps", "requests)", "Cleanup", "Findings"} {
		require.NotContains(t, page, s)
	}
}
