package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestCLIScopeMismatch: a run compared with a baseline of other clusters (another project, a
// group more or less, the instance) is one message naming both scopes and the flag to change,
// exit 2, never drift; the same project named by id and by path is the same scope.
func TestCLIScopeMismatch(t *testing.T) {
	for _, tc := range []struct {
		name        string
		before, now []string
		code        int
		want        []string
	}{
		{"a group less", []string{"--project", "demo-group/demo", "--group", "platform"}, []string{"--project", "demo-group/demo"}, 2,
			[]string{"the baseline checked --project demo-group/demo --group platform, the new run --project demo-group/demo", "add --group platform to match the baseline"}},
		{"another project", []string{"--project", "1"}, []string{"--project", "2"}, 2,
			[]string{"the baseline checked --project 1, the new run --project 2", "--project 1 instead of --project 2"}},
		{"the instance more", []string{"--group", "12"}, []string{"--group", "12", "--instance"}, 2,
			[]string{"the baseline checked --group 12, the new run --group 12 --instance", "leave out --instance"}},
		{"a project without clusters by path and by id: nothing tells they are the same", []string{"--project", "demo-group/public"}, []string{"--project", "3"}, 2,
			[]string{"the baseline checked --project demo-group/public, the new run --project 3", "(the same one by another name? give it as the baseline did)"}},
		{"the same project by path and by id", []string{"--project", "demo-group/demo"}, []string{"--project", "1"}, 0,
			[]string{"no behavioural drift"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := mocktest.Start(t)
			base := filepath.Join(t.TempDir(), "before.json")
			r := glcontract(t, nil, append([]string{"check", "--url", srv.URL, "--token", rootToken, "--save-baseline", base}, tc.before...)...)
			require.Equal(t, 0, r.code, r.stdout+r.stderr)
			again := filepath.Join(t.TempDir(), "again.json")
			r = glcontract(t, nil, append([]string{"check", "--url", srv.URL, "--token", rootToken, "--baseline", base, "--save-baseline", again}, tc.now...)...)
			require.Equal(t, tc.code, r.code, r.stdout+r.stderr)
			for _, s := range tc.want {
				require.Contains(t, r.stdout, s)
			}
			require.Contains(t, r.stderr, "saved baseline "+again, "the run itself is saved, compared or not")
			if tc.code == 2 {
				require.Contains(t, r.stderr, tc.want[0])
				require.NotRegexp(t, regexp.MustCompile(`changed|breaking|\[`), r.stdout[strings.Index(r.stdout, "DRIFT"):])

				// a baseline saved before runs recorded their scope (its target has the flags)
				b, err := os.ReadFile(base)
				require.NoError(t, err)
				old := regexp.MustCompile(`(?s)"scope": \{.*?\},\n`).ReplaceAll(b, nil)
				require.NotContains(t, string(old), `"scope"`)
				require.NoError(t, os.WriteFile(base, old, 0o600))
				r = glcontract(t, nil, append([]string{"check", "--url", srv.URL, "--token", rootToken, "--baseline", base}, tc.now...)...)
				require.Equal(t, 2, r.code, r.stdout+r.stderr)
				require.Contains(t, r.stdout, tc.want[0])

				// diff of two saved runs says the same
				after := filepath.Join(t.TempDir(), "after.json")
				r = glcontract(t, nil, append([]string{"check", "--url", srv.URL, "--token", rootToken, "--save-baseline", after}, tc.now...)...)
				require.Equal(t, 0, r.code, r.stdout+r.stderr)
				r = glcontract(t, nil, "diff", base, after)
				require.Equal(t, 2, r.code, r.stdout+r.stderr)
				require.Contains(t, r.stdout+r.stderr, tc.want[0])
			}
		})
	}
}
