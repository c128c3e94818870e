package clustersapi_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// TestMakeBenchCallsSharedHarnesses runs `make bench-wrk bench-instr` with a stub go command
// and stub harnesses that record how they were called: glmock is built the way users build it,
// and each harness gets the command line of the shared bench README (bench-wrk's glmock with
// --max-clusters, so that its creates do not hit the default cap, once on the default seed and
// once on benchseed's 100,000 clusters). Without the harness both
// targets say so and succeed.
func TestMakeBenchCallsSharedHarnesses(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		testproc.NeedTool(t, "make", err)
	}
	wd, err := os.Getwd()
	require.NoError(t, err)
	stubs := t.TempDir()
	log := filepath.Join(stubs, "calls.log")
	write := func(path, script string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte("#!/bin/bash\n"+script+"\n"), 0o755))
	}
	// Each stub logs its name, its arguments one per line (as bash will later see them), and a blank line.
	record := func(name string) string {
		return `{ echo "` + name + `"; printf '%s\n' "$@"; ` +
			`[ -n "$BENCH_TOKEN" ] && echo "env $BENCH_TOKEN $GET_PATH $POST_PATH"; echo; } >> ` + log
	}
	write(filepath.Join(stubs, "bin", "go"), record("go"))
	write(filepath.Join(stubs, "bin", "wrk"), "exit 0")
	write(filepath.Join(stubs, "bin", "valgrind"), "exit 0")
	harness := filepath.Join(stubs, "harness")
	write(filepath.Join(harness, "run.sh"), record("run.sh"))
	write(filepath.Join(harness, "instr", "run.sh"), record("instr/run.sh"))

	run := func(harness string) string {
		cmd := testproc.CommandTimeout(t, time.Minute, "make", "-s", "GO=go", "BENCH_HARNESS="+harness, "bench-wrk", "bench-instr")
		cmd.Env = append(os.Environ(), "PATH="+filepath.Join(stubs, "bin")+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}

	t.Run("harness present", func(t *testing.T) {
		require.NoError(t, os.RemoveAll(log))
		run(harness)
		calls, err := os.ReadFile(log)
		require.NoError(t, err)
		goBuild := "go\nbuild\n-o\nbin/glmock\n./cmd/glmock\n"
		seed := "go\nrun\n./internal/benchseed\n-clusters\n100000\n-project\n2\n-o\nbin/seed100k.json\n"
		assert.Equal(t, goBuild+"\n"+seed+"\nrun.sh\n-f\n/dev/null\n-r\n2\n-d\n8\n"+
			"bare=$BENCH_BIN/bare -addr 127.0.0.1:$PORT\n"+
			"kin=$BENCH_BIN/kin -addr 127.0.0.1:$PORT -spec $SPEC\n"+
			"mock="+wd+"/bin/glmock --addr 127.0.0.1:$PORT --max-clusters 1000000\n"+
			"mock100k="+wd+"/bin/glmock --addr 127.0.0.1:$PORT --max-clusters 1000000 --seed "+wd+"/bin/seed100k.json\n"+
			"env maintainer-token /api/v4/projects/1/clusters /api/v4/projects/2/clusters/user\n\n"+
			"instr/run.sh\n.\n\n", string(calls))
	})
	t.Run("harness missing", func(t *testing.T) {
		out := run(filepath.Join(stubs, "nowhere"))
		assert.Contains(t, out, "bench-wrk: SKIPPED: no shared harness at "+filepath.Join(stubs, "nowhere")+"/run.sh")
		assert.Contains(t, out, "bench-instr: SKIPPED: no shared harness at "+filepath.Join(stubs, "nowhere")+"/instr/run.sh")
	})
}
