//go:build unix

package testproc_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// TestGrandchildDiesWithTheTest starts `sh -c 'sleep 60 & ...'` in a subtest that ends without
// waiting for it: the shell's child (the sleep) must be gone once the subtest's cleanups ran.
func TestGrandchildDiesWithTheTest(t *testing.T) {
	var pids []int
	t.Run("child", func(t *testing.T) {
		cmd := testproc.Command(t, "sh", "-c", "sleep 60 & echo $!; wait")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		sleep, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			t.Fatalf("sleep pid: %q", line)
		}
		pids = []int{cmd.Process.Pid, sleep}
	})
	deadline := time.Now().Add(testproc.WaitDelay)
	for _, pid := range pids {
		for running(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still running after the test ended", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// running reports whether pid exists and is not a zombie (a killed process whose new parent,
// outside this test, has not reaped it yet).
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the parenthesised command name: "pid (comm) S ...".
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestCommandTimeoutKills(t *testing.T) {
	start := time.Now()
	err := testproc.CommandTimeout(t, 100*time.Millisecond, "sleep", "60").Run()
	if err == nil {
		t.Fatal("sleep 60 ended without error under a 100ms deadline")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("Run returned after %v", d)
	}
}
