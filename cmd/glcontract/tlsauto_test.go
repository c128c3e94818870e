package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// TestCheckAgainstGlmockTLSAuto (issue 21): glcontract check --ca-cert DIR/ca.pem passes
// against the glmock binary serving HTTPS with --tls-auto DIR, and again after glmock restarts
// on the same DIR (the CA is reused, so the file the client trusts stays right).
func TestCheckAgainstGlmockTLSAuto(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the glmock binary")
	}
	bin := filepath.Join(t.TempDir(), "glmock")
	args := append(append([]string{"build"}, glmockBuildFlags...), "-o", bin, "../glmock")
	out, err := testproc.CommandTimeout(t, 5*time.Minute, "go", args...).CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	dir := filepath.Join(t.TempDir(), "tls")
	state := filepath.Join(t.TempDir(), "state.json")
	for round := range 2 {
		addr, stop := startTLSGlmock(t, bin, "--addr", "127.0.0.1:0", "--tls-auto", dir, "--state", state)
		r := glcontract(t, nil, "check", "--url", "https://"+addr, "--token", "maintainer-token", "--project", "1",
			"--write", "--ca-cert", filepath.Join(dir, "ca.pem"))
		require.Equal(t, 0, r.code, "round %d:\n%s\n%s", round, r.stdout, r.stderr)
		r = glcontract(t, nil, "check", "--url", "https://"+addr, "--token", "maintainer-token", "--project", "1")
		require.NotEqual(t, 0, r.code, "round %d: without --ca-cert the private CA is not trusted", round)
		require.Contains(t, r.stderr, "--ca-cert", "round %d: the message says how to trust it", round)
		stop() // the restart: the next round starts on the same directory and state file
	}
}

// startTLSGlmock starts glmock (it dies with the test at the latest) and returns the address
// it listens on, read from its "listening" log line, and a function that stops it.
func startTLSGlmock(t *testing.T, bin string, args ...string) (string, func()) {
	t.Helper()
	cmd := testproc.Command(t, bin, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var once sync.Once
	stop := func() { once.Do(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }) }
	t.Cleanup(stop)
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" && strings.Contains(line.Addr, ":") {
				addrs <- line.Addr
			}
		}
	}()
	select {
	case addr := <-addrs:
		return addr, stop
	case <-time.After(20 * time.Second):
		t.Fatal("glmock did not say it listens")
		return "", stop
	}
}
