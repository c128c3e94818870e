package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// saveBaseline runs `glcontract check --write --save-baseline` against url and returns the file.
func saveBaseline(t *testing.T, url string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run.json")
	r := glcontract(t, nil, "check", "--url", url, "--token", rootToken, "--project", project, "--write", "--save-baseline", path)
	require.Contains(t, r.stderr, "saved baseline "+path, r.stdout+r.stderr)
	return path
}

func TestDiffCommand(t *testing.T) {
	srv := mocktest.Start(t)
	before := saveBaseline(t, srv.URL)
	same := saveBaseline(t, srv.URL)
	after := saveBaseline(t, proxytest.Rewrite(t, srv.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		out.EachCluster(func(c map[string]any) { c["agent_id"] = 7; c["managed"] = false })
	}).URL)

	r := glcontract(t, nil, "diff", before, same)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "no behavioural drift")

	md := filepath.Join(t.TempDir(), "drift.md")
	r = glcontract(t, nil, "diff", before, after, "--markdown", md)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "[changed/value] read/get listed cluster [18] $.managed")
	require.Contains(t, r.stdout, "[undocumented/field]")
	page, err := os.ReadFile(md)
	require.NoError(t, err)
	require.Contains(t, string(page), "Changed, still conforms")
	require.Contains(t, string(page), "Undocumented fields and headers")

	require.Equal(t, 2, glcontract(t, nil, "diff", before).code)
	require.Equal(t, 2, glcontract(t, nil, "diff", before, filepath.Join(t.TempDir(), "missing.json")).code)
}
