package clustersapi_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// glmockProcesses lists the pids of running processes whose executable is bin (not zombies).
func glmockProcesses(t *testing.T, bin string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || strings.TrimSuffix(exe, " (deleted)") != bin {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err == nil {
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// waitVersion polls GET /api/v4/version on addr until it answers, and returns the body.
func waitVersion(t *testing.T, addr string, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v4/version", nil)
		req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(body)
		}
		select {
		case err := <-done:
			t.Fatalf("make run ended before glmock answered: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("glmock did not answer on %s", addr)
	return ""
}

// portFree reports whether addr can be listened on again (within a few seconds).
func portFree(t *testing.T, addr string) bool {
	t.Helper()
	for i := 0; i < 100; i++ {
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// TestMakeRun: `make run` builds glmock and execs it, so stopping make stops glmock: under
// `timeout -s TERM 5` (the README's case: the environment's GLMOCK_ADDR applies, flags go in
// ARGS), and when only make gets SIGTERM (`make run &` then `kill %1`; ADDR on the command
// line). Either way no glmock is left and the port is free again.
func TestMakeRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs glmock through make")
	}
	for _, tool := range []string{"make", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			testproc.NeedTool(t, tool, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "glmock")
	// Built once first, so that make's own go build is a quick no-op within timeout's 5 s.
	out, err := testproc.CommandTimeout(t, 5*time.Minute, "go", "build", "-o", bin, "./cmd/glmock").CombinedOutput()
	require.NoError(t, err, "%s", out)

	t.Run("timeout -s TERM 5", func(t *testing.T) {
		addr := freeAddr(t)
		cmd := testproc.CommandTimeout(t, time.Minute, "timeout", "-s", "TERM", "5",
			"make", "-s", "run", "GLMOCK_BIN="+bin, `ARGS=--gitlab-version 14.10`)
		cmd.Env = append(environWithout("GLMOCK_", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "ADDR=", "ARGS=", "GLMOCK_BIN="), "GLMOCK_ADDR="+addr)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		body := waitVersion(t, addr, done)
		assert.Contains(t, body, `"version":"14.10.0"`, "ARGS reached glmock")
		pids := glmockProcesses(t, bin)
		require.NotEmpty(t, pids, "glmock runs as %s", bin)
		err := <-done
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "timeout ends make: %s", logs.String())
		assert.Equal(t, 124, exit.ExitCode(), "timeout's status after its signal")
		assert.Empty(t, glmockProcesses(t, bin), "no glmock left behind")
		assert.True(t, portFree(t, addr), "%s is free again", addr)
		assert.Contains(t, logs.String(), `"msg":"stopped"`, "glmock shut down cleanly on SIGTERM")
	})

	t.Run("SIGTERM to make alone", func(t *testing.T) {
		addr := freeAddr(t)
		cmd := testproc.CommandTimeout(t, time.Minute, "make", "-s", "run", "GLMOCK_BIN="+bin, "ADDR="+addr)
		// GLMOCK_ADDR elsewhere: ADDR on make's command line wins.
		cmd.Env = append(environWithout("GLMOCK_", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "ADDR=", "ARGS=", "GLMOCK_BIN="), "GLMOCK_ADDR=127.0.0.1:1")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		waitVersion(t, addr, done)
		pids := glmockProcesses(t, bin)
		require.Len(t, pids, 1)
		ppid := parentOf(t, pids[0])
		assert.Equal(t, cmd.Process.Pid, ppid, "glmock is make's own child (exec, not go run's fork)")
		require.NoError(t, syscall.Kill(cmd.Process.Pid, syscall.SIGTERM), "only make, not its group")
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("make did not end after SIGTERM")
		}
		assert.Empty(t, glmockProcesses(t, bin), "no glmock left behind: %s", logs.String())
		assert.True(t, portFree(t, addr), "%s is free again", addr)
	})
}

var statPPid = regexp.MustCompile(`\) \S (\d+)`)

func parentOf(t *testing.T, pid int) int {
	t.Helper()
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	require.NoError(t, err)
	m := statPPid.FindSubmatch(stat)
	require.NotNil(t, m, "%s", stat)
	ppid, _ := strconv.Atoi(string(m[1]))
	return ppid
}

// TestMakeHelp: `make help` lists every target of the Makefile's .PHONY line, one line each,
// and `make run`'s line says how to pass flags and the address.
func TestMakeHelp(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		testproc.NeedTool(t, "make", err)
	}
	cmd := testproc.CommandTimeout(t, time.Minute, "make", "-s", "help")
	cmd.Env = environWithout("MAKEFLAGS", "MAKELEVEL", "MFLAGS")
	out, err := cmd.Output()
	require.NoError(t, err)
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		require.GreaterOrEqual(t, len(f), 2, "a target and its line: %q", l)
		_, dup := lines[f[0]]
		assert.False(t, dup, "%s listed twice", f[0])
		lines[f[0]] = l
	}
	makefile, err := os.ReadFile("Makefile")
	require.NoError(t, err)
	phony := regexp.MustCompile(`(?m)^\.PHONY:(.*)$`).FindSubmatch(makefile)
	require.NotNil(t, phony)
	for _, target := range strings.Fields(string(phony[1])) {
		assert.Contains(t, lines, target, "make help lists %s", target)
	}
	assert.Contains(t, lines["run"], `ARGS="..."`)
	assert.Contains(t, lines["run"], "GLMOCK_ADDR")
}
