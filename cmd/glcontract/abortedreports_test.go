package main

import (
	"encoding/json"
	"encoding/xml"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// closedURL is a loopback URL nothing listens at.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	return url
}

type junitReport struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suites   []struct {
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestCLIAbortedRunWritesEveryReport: a run that cannot reach a verdict still writes each
// report it was asked for, carrying the reason (JUnit: a failed test case, for CI's widget).
func TestCLIAbortedRunWritesEveryReport(t *testing.T) {
	base := filepath.Join(t.TempDir(), "base.json")
	r := glcontract(t, nil, "check", "--url", mocktest.Start(t).URL, "--token", rootToken, "--project", "1", "--group", "12", "--save-baseline", base)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	notSaved := filepath.Join(t.TempDir(), "report.json")
	require.NoError(t, os.WriteFile(notSaved, []byte(`{"tool":"glcontract","result":"pass"}`), 0o600))
	for _, tc := range []struct {
		name   string
		args   []string
		reason string
	}{
		{"unreachable", []string{"check", "--url", closedURL(t), "--token", rootToken, "--project", "1"}, "target unreachable"},
		{"no --url", []string{"check", "--token", rootToken, "--project", "1"}, "--url"},
		{"a baseline that is not a saved run", []string{"check", "--url", closedURL(t), "--token", rootToken, "--project", "1", "--baseline", notSaved}, "not a saved run"},
		{"a baseline of other clusters", []string{"check", "--url", mocktest.Start(t).URL, "--token", rootToken, "--project", "1", "--baseline", base}, "add --group 12"},
		{"diff of a report", []string{"diff", base, notSaved}, "not a saved run"},
		{"diff of one file", []string{"diff", base}, "needs two saved runs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j, x, m := filepath.Join(dir, "f.json"), filepath.Join(dir, "f.xml"), filepath.Join(dir, "f.md")
			r := glcontract(t, nil, append(tc.args, "--json", j, "--junit", x, "--markdown", m)...)
			require.Equal(t, 2, r.code, r.stdout+r.stderr)
			require.Contains(t, r.stderr, tc.reason)

			b, err := os.ReadFile(j)
			require.NoError(t, err)
			var rep contract.Report
			require.NoError(t, json.Unmarshal(b, &rep))
			require.Equal(t, contract.ResultAborted, rep.Result)
			require.Contains(t, rep.Reason, tc.reason)

			b, err = os.ReadFile(x)
			require.NoError(t, err)
			var ju junitReport
			require.NoError(t, xml.Unmarshal(b, &ju))
			require.Equal(t, 1, ju.Failures, string(b))
			var failed []string
			for _, s := range ju.Suites {
				for _, c := range s.Cases {
					if c.Failure != nil {
						failed = append(failed, c.Name+": "+c.Failure.Message)
					}
				}
			}
			require.Len(t, failed, 1, string(b))
			require.Contains(t, failed[0], tc.reason)

			b, err = os.ReadFile(m)
			require.NoError(t, err)
			require.Contains(t, string(b), "ABORTED")
			require.Contains(t, string(b), tc.reason)
		})
	}
}

// TestCLIDashIsStdout: "-" for a report flag writes that report on stdout instead of the
// console report, and makes no file named "-"; two of them are a usage error.
func TestCLIDashIsStdout(t *testing.T) {
	srv := mocktest.Start(t)
	base := filepath.Join(t.TempDir(), "base.json")
	r := glcontract(t, nil, "check", "--url", srv.URL, "--token", rootToken, "--project", "1", "--save-baseline", base)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		args []string
		want string // stdout starts with it
	}{
		{[]string{"check", "--url", srv.URL, "--token", rootToken, "--project", "1", "--json", "-"}, "{\n  \"tool\": \"glcontract\""},
		{[]string{"check", "--url", srv.URL, "--token", rootToken, "--project", "1", "--junit", "-"}, "<?xml"},
		{[]string{"check", "--url", srv.URL, "--token", rootToken, "--project", "1", "--markdown", "-"}, "## GitLab clusters API contract: PASS"},
		{[]string{"check", "--url", closedURL(t), "--token", rootToken, "--project", "1", "--json", "-"}, "{\n  \"tool\": \"glcontract\""},
		{[]string{"diff", base, base, "--json", "-"}, "{\n  \"tool\": \"glcontract\""},
		{[]string{"diff", base, base, "--markdown", "-"}, "## "},
	} {
		r := glcontract(t, nil, tc.args...)
		require.True(t, len(r.stdout) > len(tc.want) && r.stdout[:len(tc.want)] == tc.want, "%v: %s", tc.args, r.stdout)
		_, err := os.Stat("-")
		require.True(t, os.IsNotExist(err), "%v made a file named -", tc.args)
	}
	r = glcontract(t, nil, "check", "--url", srv.URL, "--token", rootToken, "--project", "1", "--json", "-", "--junit", "-")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "--json - and --junit - all ask for stdout")
}

// TestCLIAbortedInventoryWritesItsReports: an inventory that could not be made still writes
// the JSON and Markdown it was asked for, with the reason (and --json - writes it to stdout).
func TestCLIAbortedInventoryWritesItsReports(t *testing.T) {
	dir := t.TempDir()
	j, m := filepath.Join(dir, "inv.json"), filepath.Join(dir, "inv.md")
	closed := closedURL(t)
	r := glcontract(t, map[string]string{"GITLAB_TOKEN": rootToken}, "inventory", "--url", closed, "--instance", "--json", j, "--markdown", m)
	require.Equal(t, 2, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stderr, "target unreachable")
	require.Empty(t, r.stdout, "no table for an inventory that was not made")
	b, err := os.ReadFile(j)
	require.NoError(t, err)
	var inv contract.Inventory
	require.NoError(t, json.Unmarshal(b, &inv))
	require.Equal(t, 2, inv.Exit)
	require.Contains(t, inv.Error, "target unreachable")
	b, err = os.ReadFile(m)
	require.NoError(t, err)
	require.Contains(t, string(b), "exit 2: aborted: target unreachable")

	r = glcontract(t, map[string]string{"GITLAB_TOKEN": rootToken}, "inventory", "--url", closed, "--instance", "--json", "-")
	require.Equal(t, 2, r.code)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &inv), r.stdout)
	require.Contains(t, inv.Error, "target unreachable")
}
