package main

import (
	"path/filepath"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// newestFirst serves lists of clusters by id descending while *on: a page of one item looks
// right, a page holding two or more does not.
func newestFirst(t *testing.T, mockURL string, on *atomic.Bool) string {
	return proxytest.Rewrite(t, mockURL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		list, ok := out.JSON().([]any)
		if !on.Load() || !ok || out.Status != 200 {
			return
		}
		sort.SliceStable(list, func(i, j int) bool {
			a, _ := list[i].(map[string]any)
			b, _ := list[j].(map[string]any)
			x, _ := a["id"].(float64)
			y, _ := b["id"].(float64)
			return x > y
		})
		out.SetJSON(list)
	}).URL
}

func always() *atomic.Bool {
	var b atomic.Bool
	b.Store(true)
	return &b
}

// TestOrderOtherThanGitLabsIsFound: a multi-item page is read, in read mode (the project has
// two clusters) and in write mode (the run adds a second one of its own).
func TestOrderOtherThanGitLabsIsFound(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write bool
		step  string
	}{
		{"read, two clusters in the project", false, "read/list clusters in one page"},
		{"write, one cluster in the project plus the run's two", true, "write/list both in one page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mock := mocktest.Start(t)
			if !tc.write {
				proxytest.CreateCluster(t, mock.URL, rootToken, "made-by-hand", "staging")
			}
			args := []string{"check", "--url", newestFirst(t, mock.URL, always()), "--token", rootToken, "--project", project}
			if tc.write {
				args = append(args, "--write")
			}
			r := glcontract(t, nil, args...)
			require.Equal(t, 1, r.code, r.stdout+r.stderr)
			require.Contains(t, r.stdout, tc.step+": GET /api/v4/projects/1/clusters?page=1&per_page=100")
			require.Contains(t, r.stdout, "the list is not ordered by id ascending")
			require.Empty(t, proxytest.GlcontractClusters(t, mock.URL, rootToken))

			// the faithful mock passes the same check
			args[2] = mock.URL
			r = glcontract(t, nil, args...)
			require.Equal(t, 0, r.code, r.stdout+r.stderr)
		})
	}
}

// TestBaselineReportsOrderingChange: the same clusters in another order is drift.
func TestBaselineReportsOrderingChange(t *testing.T) {
	mock := mocktest.Start(t)
	proxytest.CreateCluster(t, mock.URL, rootToken, "made-by-hand", "staging")
	var reversed atomic.Bool
	target := newestFirst(t, mock.URL, &reversed)
	base := filepath.Join(t.TempDir(), "before.json")
	r := glcontract(t, nil, "check", "--url", target, "--token", rootToken, "--project", project, "--save-baseline", base)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)

	reversed.Store(true)
	r, rep := checkWithReports(t, target, "--baseline", base)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	var ordering []contract.Drift
	for _, d := range rep.json.Drift {
		if d.Category == contract.CategoryOrdering {
			ordering = append(ordering, d)
		}
	}
	require.NotEmpty(t, ordering, r.stdout)
	require.Equal(t, "read/list clusters in one page", ordering[0].Key)
	require.Contains(t, r.stdout, "[changed/ordering] read/list clusters in one page")
}
