package contract_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
)

// saveRun runs the suite (learning volatile fields) against url and saves it.
func saveRun(t *testing.T, url string, mod ...func(*contract.Config)) (*contract.Report, string) {
	t.Helper()
	rep := runSuite(t, url, append([]func(*contract.Config){func(c *contract.Config) { c.LearnVolatile = true }}, mod...)...)
	require.NotNil(t, rep.SavedRun())
	path := filepath.Join(t.TempDir(), "run.json")
	require.NoError(t, contract.SaveRun(path, rep.SavedRun()))
	return rep, path
}

func TestBaselineOfAnIdenticalRunHasNoDrift(t *testing.T) {
	srv := startMock(t)
	_, path := saveRun(t, srv.URL)
	base, err := contract.LoadRun(path)
	require.NoError(t, err)
	require.NotEmpty(t, base.Target.Version)

	rep := runSuite(t, srv.URL)
	rep.CompareWith(base, path)
	require.Empty(t, rep.Drift, driftTexts(rep.Drift))
	require.Equal(t, 0, rep.ExitCode())
	require.NotNil(t, rep.Baseline)
}

// TestBaselineLearnsVolatileFields: a field that changes on every request is learnt as volatile
// by repeating the read requests, and is not drift.
func TestBaselineLearnsVolatileFields(t *testing.T) {
	srv := startMock(t)
	n := 0
	proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
		if isOne(in) {
			n++
			eachCluster(out, func(c map[string]any) { c["project"].(map[string]any)["star_count"] = n })
		}
	})
	_, path := saveRun(t, proxy.URL, func(c *contract.Config) { c.Write = false })
	base, err := contract.LoadRun(path)
	require.NoError(t, err)
	require.Contains(t, base.Volatile["read/get listed cluster [18]"], "$.project.star_count")

	rep := runSuite(t, proxy.URL, func(c *contract.Config) { c.Write = false })
	rep.CompareWith(base, path)
	require.Empty(t, rep.Drift, driftTexts(rep.Drift))
}

// TestBaselineDriftKinds: against a server that changed, the comparison reports drift of the right kind.
func TestBaselineDriftKinds(t *testing.T) {
	cases := []struct {
		name     string
		mutate   func(in exchangeInfo, out *upstream)
		kind     contract.DriftKind
		category contract.Category
		field    string
	}{
		{"breaks the spec", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { c["managed"] = "yes" })
		}, contract.DriftBreaks, contract.Category(contract.RuleSchema), "$.managed"},
		{"changed default", func(in exchangeInfo, out *upstream) {
			if isCreate(in, out) {
				eachCluster(out, func(c map[string]any) { c["enabled"] = false })
			}
		}, contract.DriftChanged, contract.CategoryDefault, "$.enabled"},
		{"changed value", func(in exchangeInfo, out *upstream) {
			if isOne(in) {
				eachCluster(out, func(c map[string]any) { c["domain"] = "changed.example.com" })
			}
		}, contract.DriftChanged, contract.CategoryValue, "$.domain"},
		{"changed ordering", reverseList, contract.DriftChanged, contract.CategoryOrdering, "$"},
		{"changed status", func(in exchangeInfo, out *upstream) {
			if in.Method == "GET" && strings.HasSuffix(in.Path, "/999999999") {
				out.Status = 400
				out.SetJSON(map[string]any{"error": "cluster_id is invalid"})
			}
		}, contract.DriftChanged, contract.CategoryStatus, "status"},
		{"changed permission", func(in exchangeInfo, out *upstream) {
			if isOne(in) && strings.HasSuffix(in.Path, "/18") {
				out.Status = 403
				out.SetJSON(map[string]any{"message": "403 Forbidden"})
			}
		}, contract.DriftChanged, contract.CategoryPermission, "status"},
		{"new undocumented field", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { c["agent_id"] = 7 })
		}, contract.DriftUndocumented, contract.CategoryField, "$.agent_id"},
		{"new undocumented header", func(in exchangeInfo, out *upstream) {
			out.Header.Set("X-Gitlab-Feature-Category", "deployment_management")
		}, contract.DriftUndocumented, contract.CategoryHeader, "header x-gitlab-feature-category"},
		{"changed pagination header", func(in exchangeInfo, out *upstream) {
			if isList(in) {
				out.Header.Set("X-Per-Page", "20")
			}
		}, contract.DriftBreaks, contract.Category(contract.RulePagination), "header X-Per-Page"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// the same instance before and after: its external URL is in the bodies of both runs
			srv := startMock(t)
			_, path := saveRun(t, drifting(t, srv.URL, nil).URL)
			base, err := contract.LoadRun(path)
			require.NoError(t, err)
			rep := runSuite(t, drifting(t, srv.URL, tc.mutate).URL)
			rep.CompareWith(base, path)
			var found bool
			for _, d := range rep.Drift {
				if d.Kind == tc.kind && d.Category == tc.category && d.Field == tc.field {
					found = true
				}
			}
			require.True(t, found, "want %s/%s at %s; drift:\n%s", tc.kind, tc.category, tc.field, driftTexts(rep.Drift))
			if tc.kind != contract.DriftUndocumented {
				require.Equal(t, 1, rep.ExitCode())
			}
		})
	}
}

func driftTexts(ds []contract.Drift) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}
