package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// writeCalls records each Write, safely from the flush timer's goroutine too.
type writeCalls struct {
	mu    sync.Mutex
	calls []string
}

func (w *writeCalls) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, string(p))
	return len(p), nil
}

func (w *writeCalls) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.calls...)
}

// TestLogBufferWritesWholeLines: lines of every size, the buffer's own and larger, come out in
// order, each write(2) whole lines; Close writes the rest and lets later lines through at once.
func TestLogBufferWritesWholeLines(t *testing.T) {
	w := &writeCalls{}
	b := newLogBuffer(w)
	b.after = time.Hour // only size and Close flush here
	var want strings.Builder
	for i, n := range []int{10, 200, logBufferSize - 100, 50, logBufferSize + 10, 3, logBufferSize, 7, 1000} {
		line := fmt.Sprintf("%d %s\n", i, strings.Repeat("x", n))
		want.WriteString(line)
		_, err := b.Write([]byte(line))
		require.NoError(t, err)
	}
	before := len(w.all())
	require.NoError(t, b.Close())
	assert.Greater(t, len(w.all()), before, "Close wrote the buffered lines")
	_, err := b.Write([]byte("late\n"))
	require.NoError(t, err)
	want.WriteString("late\n")
	calls := w.all()
	assert.Equal(t, "late\n", calls[len(calls)-1], "after Close a line is written at once")
	for _, c := range calls {
		assert.True(t, strings.HasSuffix(c, "\n"), "a write ends a line: %.40q...", c)
		assert.LessOrEqual(t, len(c), logBufferSize+20, "no write past the buffer but a single long line")
	}
	assert.Equal(t, want.String(), strings.Join(calls, ""), "every line, in order, once")
}

// TestLogBufferGathersLines: a hundred short lines are one write, at Close.
func TestLogBufferGathersLines(t *testing.T) {
	w := &writeCalls{}
	b := newLogBuffer(w)
	b.after = time.Hour
	for i := 0; i < 100; i++ {
		fmt.Fprintf(b, "line %d\n", i)
	}
	assert.Empty(t, w.all(), "nothing written before the buffer fills, the timer fires or Close")
	require.NoError(t, b.Close())
	calls := w.all()
	require.Len(t, calls, 1)
	assert.Equal(t, 100, strings.Count(calls[0], "\n"))
}

// TestLogBufferFlushesWithoutTraffic: a lone line is written by the timer, without more lines
// or Close (bounded poll, not a timing assertion).
func TestLogBufferFlushesWithoutTraffic(t *testing.T) {
	w := &writeCalls{}
	b := newLogBuffer(w)
	b.Write([]byte("one\n"))
	require.Eventually(t, func() bool { return strings.Join(w.all(), "") == "one\n" }, 10*time.Second, 5*time.Millisecond)
	b.Write([]byte("two\n"))
	require.Eventually(t, func() bool { return strings.Join(w.all(), "") == "one\ntwo\n" }, 10*time.Second, 5*time.Millisecond, "the timer is armed again after a flush")
}

// glmockProcess is the glmock binary running with its stdout read line by line.
type glmockProcess struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	out  []string
	done chan struct{} // closed when stdout ends
}

func startGlmock(t *testing.T, bin string, args ...string) *glmockProcess {
	t.Helper()
	p := &glmockProcess{cmd: testproc.Command(t, bin, args...), done: make(chan struct{})}
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.out = append(p.out, sc.Text())
			p.mu.Unlock()
		}
	}()
	return p
}

// requestLines are the request lines glmock wrote so far, each checked to be JSON.
func (p *glmockProcess) requestLines(t *testing.T) []map[string]any {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	var lines []map[string]any
	for _, l := range p.out {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "a log line that is not JSON: %q", l)
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
		if m["msg"] == "listening" {
			p.addr = m["addr"].(string)
		}
	}
	return lines
}

func (p *glmockProcess) waitListening(t *testing.T) string {
	t.Helper()
	require.Eventually(t, func() bool { p.requestLines(t); return p.addr != "" }, 10*time.Second, 5*time.Millisecond, "glmock did not say it listens")
	return p.addr
}

// TestBinaryLogsEveryRequestBuffered: the binary buffers its log, yet a lone request's line
// appears without shutdown (bounded poll), and on SIGTERM every request's line is written
// before it exits 0, whole and in JSON, with the "stopped" line last.
func TestBinaryLogsEveryRequestBuffered(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildGlmock(t)
	p := startGlmock(t, bin, "--addr", "127.0.0.1:0")
	base := "http://" + p.waitListening(t)
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(path string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}

	get("/api/v4/projects/1/clusters/18")
	require.Eventually(t, func() bool { return len(p.requestLines(t)) == 1 }, 10*time.Second, 5*time.Millisecond,
		"a request's line is written while glmock keeps running")
	assert.Equal(t, "/api/v4/projects/1/clusters/18", p.requestLines(t)[0]["path"])

	const n = 2000 // more than one buffer (about 64 KiB, 250 bytes a line)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 4 {
				get(fmt.Sprintf("/api/v4/projects/1/clusters?page=1&seq=%d", i))
			}
		}(w)
	}
	wg.Wait()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("glmock did not stop on SIGTERM")
	}
	require.NoError(t, p.cmd.Wait(), "a clean shutdown exits 0")
	lines := p.requestLines(t)
	assert.Equal(t, n+1, len(lines), "every request logged before exit")
	p.mu.Lock()
	last := p.out[len(p.out)-1]
	p.mu.Unlock()
	assert.Contains(t, last, `"msg":"stopped"`)
}

// TestBinaryStartFailureKeepsTheLog: glmock that cannot listen exits 1 and still writes the
// start-up line it logged before (buffered lines are written on every way out).
func TestBinaryStartFailureKeepsTheLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildGlmock(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	args := []string{"--addr", ln.Addr().String()}
	cmd := testproc.CommandTimeout(t, binaryRefusalTimeout, bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	failIfKilled(t, cmd, args, "", stdout.String(), stderr.String())
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Contains(t, stderr.String(), "address already in use")
	assert.Contains(t, stdout.String(), `"msg":"glmock"`, "the start-up line was flushed before exit")
}
