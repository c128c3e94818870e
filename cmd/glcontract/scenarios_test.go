package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestCLIScenarioMatchersAreChecked: a scenario with an unknown or incomplete matcher is
// refused when it loads (exit 2, naming file, step and matcher), before any request.
func TestCLIScenarioMatchersAreChecked(t *testing.T) {
	mock := mocktest.Start(t)
	for _, tc := range []struct {
		where, matcher, want string
	}{
		{"expect", "@type", `matcher "@type": @type needs one of`},
		{"expect", "@type:strin", `matcher "@type:strin"`},
		{"expect", "@anny", `unknown matcher "@anny"`},
		{"expect", "@prefix", `matcher "@prefix": @prefix needs a string`},
		{"expect", "@contains:", `matcher "@contains:"`},
		{"expect", "@regex:(", `matcher "@regex:(": error parsing regexp`},
		{"expect", "@any:x", `@any takes no argument`},
		{"skipIf", "@anyprefix", `matcher "@anyprefix"`},
	} {
		t.Run(tc.where+" "+tc.matcher, func(t *testing.T) {
			dir := t.TempDir()
			step := fmt.Sprintf(`{"name":"version","request":{"method":"GET","path":"/version"},"expect":{"status":200,"body":{"version":%q}}}`, tc.matcher)
			if tc.where == "skipIf" {
				step = fmt.Sprintf(`{"name":"version","request":{"method":"GET","path":"/version"},"expect":{"status":200},
					"skipIf":[{"status":404,"body":{"message":%q},"reason":"off"}]}`, tc.matcher)
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, "mine.json"), []byte(`{"name":"mine","steps":[
				{"name":"user","request":{"method":"GET","path":"/user"},"expect":{"status":200}},`+step+`]}`), 0o600))
			r := glcontract(t, nil, "check", "--url", mock.URL, "--token", rootToken, "--project", project, "--scenarios", dir)
			require.Equal(t, 2, r.code, r.stdout+r.stderr)
			require.Contains(t, r.stderr, `mine.json: scenario "mine" step 2 (version): `)
			require.Contains(t, r.stderr, tc.want)
			require.NotContains(t, r.stdout, "PASS")
		})
	}
}
