//go:build unix

package testproc

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// WaitDelay bounds how long Wait waits for pipes a killed process's children still hold open.
const WaitDelay = 5 * time.Second

// Command is exec.CommandContext bound to the test's context, in a process group of its own
// that is killed (SIGKILL to the whole group, grandchildren included) when the test ends.
func Command(tb testing.TB, name string, args ...string) *exec.Cmd {
	tb.Helper()
	return command(tb, tb.Context(), name, args...)
}

// CommandTimeout is Command with a deadline shorter than the test's.
func CommandTimeout(tb testing.TB, d time.Duration, name string, args ...string) *exec.Cmd {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), d)
	tb.Cleanup(cancel)
	return command(tb, ctx, name, args...)
}

func command(tb testing.TB, ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = WaitDelay
	// A process started but never waited for (a server the test leaves running) dies too.
	tb.Cleanup(func() {
		if killGroup(cmd) == nil && cmd.ProcessState == nil {
			cmd.Wait() // reap it; an error only says the test already waited
		}
	})
	return cmd
}

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// NeedTool reports a tool the test cannot run without: it skips the test on a developer's
// machine, and fails it when CI=true, since CI installs every tool (.ci/run) and a missing one
// means a broken CI rather than a reason to skip.
func NeedTool(tb testing.TB, what string, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is missing (%v); CI must install it (see .ci/run)", what, err)
	}
	tb.Skipf("%s is missing (%v); install it to run this test (CI does: see .ci/run)", what, err)
}
