package clustersapi_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// TestCIRunFailsWithoutTools runs .ci/run with stub tools on PATH: in CI (CI=true) a tool that
// cannot be installed fails the run before any test; on a developer's machine it warns and the
// tests run (those needing the tool skip).
func TestCIRunFailsWithoutTools(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ci         bool
		tools      bool   // python3-gitlab, ruby-gitlab, docker-compose and npm are installed
		failMake   string // the make target that fails
		wantCode   int
		wantStderr string
		wantMake   string // the make targets run, in order
	}{
		{"CI, tools missing and apt-get fails", true, false, "", 1,
			"CI: cannot install python3-gitlab ruby-gitlab docker-compose npm; the tests that need them would not run", ""},
		{"CI, the npm validators cannot install", true, true, "validators", 1,
			"CI: cannot install the npm validators (make validators)", "validators"},
		{"CI, everything installed", true, true, "", 0, "", "validators test docker-build-check lint"},
		{"developer machine, tools missing", false, false, "", 0,
			"warning: could not install python3-gitlab ruby-gitlab docker-compose npm; the tests that need them will skip",
			"validators test docker-build-check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			log := filepath.Join(bin, "make.log")
			stub := func(name, script string) {
				require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+script+"\n"), 0o755))
			}
			stub("apt-get", "exit 1")
			stub("make", `echo "$1" >> `+log+`; [ "$1" != "$FAIL_MAKE" ]`)
			python := "exit 1"
			if tc.tools {
				python = "exit 0"
				stub("docker-compose", "exit 0")
				stub("npm", "exit 0")
			}
			stub("python3", python)
			stub("ruby", python) // the same verdict: the gem is there with the tools
			dirname, err := exec.LookPath("dirname")
			require.NoError(t, err)
			require.NoError(t, os.Symlink(dirname, filepath.Join(bin, "dirname")))

			cmd := testproc.Command(t, "/bin/bash", ".ci/run")
			cmd.Env = []string{"PATH=" + bin, "PYTHON=" + filepath.Join(bin, "python3"), "RUBY=" + filepath.Join(bin, "ruby"), "FAIL_MAKE=" + tc.failMake}
			if tc.ci {
				cmd.Env = append(cmd.Env, "CI=true")
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err = cmd.Run()
			code := 0
			if err != nil {
				code = cmd.ProcessState.ExitCode()
			}
			assert.Equal(t, tc.wantCode, code, stderr.String())
			assert.Contains(t, stderr.String(), tc.wantStderr)
			made, _ := os.ReadFile(log)
			assert.Equal(t, tc.wantMake, strings.Join(strings.Fields(string(made)), " "), "make targets run")
		})
	}
}
