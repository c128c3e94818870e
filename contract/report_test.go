package contract

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sampleReport has a bit of everything a report can hold, with fixed values.
func sampleReport() *Report {
	r := &Report{
		Tool: "glcontract", RunID: "20250102t030405-a1b2c3",
		Target:    Target{URL: "https://gitlab.example.com", Version: "17.11.2", Revision: "4d3ba4d5b1f", User: "root", Project: "demo-group/demo"},
		StartedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), DurationMS: 1234, Write: true,
		Steps: []StepResult{
			{Scenario: "read", Step: "version", Request: "GET /api/v4/version", Status: 200, Requests: 1, Outcome: "pass", DurationMS: 12},
			{Scenario: "read", Step: "list clusters", Request: "GET /api/v4/projects/demo-group%2Fdemo/clusters?page=1&per_page=1", Status: 200, Requests: 2, Outcome: "fail", Errors: 1, Notes: 1, DurationMS: 30},
			{Scenario: "write", Step: "create", Request: "POST /api/v4/projects/demo-group%2Fdemo/clusters/user", Status: 201, Requests: 1, Outcome: "fail", Errors: 1, DurationMS: 40},
			{Scenario: "write", Step: "get created", Outcome: "skipped", Detail: "needs ${cluster_id}, which an earlier step did not capture"},
		},
		Findings: []Finding{
			{Severity: SeverityError, Rule: RuleHeader, Scenario: "read", Step: "list clusters", Request: "GET /api/v4/projects/demo-group%2Fdemo/clusters?page=1&per_page=1",
				Operation: "getApiV4ProjectsIdClusters", Field: "header X-Total", Expected: "present", Actual: "absent", Message: "documented header X-Total is missing",
				SpecLocation: "openapi.yaml:97 #/paths/~1projects~1{id}~1clusters/get/responses/200/headers/X-Total",
				Curl:         `curl -sS -H "PRIVATE-TOKEN: $GITLAB_TOKEN" 'https://gitlab.example.com/api/v4/projects/demo-group%2Fdemo/clusters?page=1&per_page=1'`},
			{Severity: SeverityError, Rule: RuleSecret, Scenario: "write", Step: "create", Request: "POST /api/v4/projects/demo-group%2Fdemo/clusters/user",
				Operation: "postApiV4ProjectsIdClustersUser", Field: "$.platform_kubernetes.token", Expected: "never returned", Actual: redacted,
				Message: "the cluster token sent by this run came back at $.platform_kubernetes.token",
				Curl:    `curl -sS -X POST -H "PRIVATE-TOKEN: $GITLAB_TOKEN" -H 'Content-Type: application/json' --data '{"name":"glcontract-20250102t030405-a1b2c3","platform_kubernetes_attributes":{"token":"[REDACTED]"}}' 'https://gitlab.example.com/api/v4/projects/demo-group%2Fdemo/clusters/user'`},
			{Severity: SeverityNote, Rule: RuleUndeclaredField, Scenario: "read", Step: "list clusters", Request: "GET /api/v4/projects/demo-group%2Fdemo/clusters?page=1&per_page=1",
				Operation: "getApiV4ProjectsIdClusters", Field: "$[0].agent_id", Actual: "7", Message: "field $[0].agent_id is not declared in the spec"},
		},
		Cleanup: []Cleanup{
			{Request: "DELETE /api/v4/projects/demo-group%2Fdemo/clusters/20", Status: 204, OK: true},
			{Request: "DELETE /api/v4/projects/demo-group%2Fdemo/clusters/21", Status: 500, Detail: "status 500; it may remain: run `glcontract sweep --run-id 20250102t030405-a1b2c3`"},
		},
		Baseline: &BaselineRef{File: "before.json", RunID: "20241201t000000-ffffff", Version: "17.10.0", SavedAt: "2024-12-01 00:00 UTC"},
		Drift: []Drift{
			{Kind: DriftBreaks, Category: Category(RuleHeader), Key: "read/list clusters", Field: "header X-Total", Before: "conforms", After: "finding: header", Message: "new header finding"},
			{Kind: DriftChanged, Category: CategoryDefault, Key: "write/create", Field: "$.namespace_per_environment", Before: "true", After: "false", Message: "$.namespace_per_environment changed"},
			{Kind: DriftChanged, Category: CategoryOrdering, Key: "read/list clusters", Field: "$", Before: "[18, 19]", After: "[19, 18]", Message: "the same items in a different order"},
			{Kind: DriftUndocumented, Category: CategoryField, Key: "read/list clusters", Field: "$[*].agent_id", Before: "absent", After: "present", Message: "new undocumented field $[*].agent_id"},
		},
		Result: ResultFail,
		redact: NewRedactor("glpat-do-not-print"),
	}
	return r
}

func TestReportersGolden(t *testing.T) {
	for _, tc := range []struct {
		file  string
		write func(*bytes.Buffer, *Report) error
	}{
		{"report.console.golden", func(b *bytes.Buffer, r *Report) error { return WriteConsole(b, r) }},
		{"report.json.golden", func(b *bytes.Buffer, r *Report) error { return WriteJSON(b, r) }},
		{"report.junit.golden", func(b *bytes.Buffer, r *Report) error { return WriteJUnit(b, r) }},
		{"report.md.golden", func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tc.write(&b, sampleReport()))
			path := filepath.Join("testdata", tc.file)
			if *update {
				require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./contract -run Golden -update to create it")
			require.Equal(t, string(want), b.String())
		})
	}
}

func TestReportExitCodes(t *testing.T) {
	for result, code := range map[Result]int{ResultPass: 0, ResultSkipped: 0, ResultFail: 1, ResultAborted: 2, ResultInterrupted: 2} {
		require.Equal(t, code, (&Report{Result: result}).ExitCode(), result)
	}
	r := &Report{Drift: []Drift{{Kind: DriftUndocumented}}}
	r.finish()
	require.Equal(t, ResultPass, r.Result, "undocumented drift does not fail without --strict")
	r = &Report{Strict: true, Drift: []Drift{{Kind: DriftUndocumented}}}
	r.finish()
	require.Equal(t, ResultFail, r.Result)
	r = &Report{Findings: []Finding{{Severity: SeverityNote}}}
	r.finish()
	require.Equal(t, ResultPass, r.Result, "notes do not fail")
}
