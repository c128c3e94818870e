package gctune

import (
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"
)

// live reads the live heap as the tuner does.
func live() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// waitPercent collects until the tuner has run after a collection and set want, or fails.
func waitPercent(t *testing.T, tu *Tuner, want func() int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs on its own goroutine
		w := want()
		got := tu.Percent()
		if d := got - w; d <= w/8 && -d <= w/8 {
			if runtime := debug.SetGCPercent(got); runtime != got {
				t.Fatalf("the runtime's GOGC is %d, the tuner says %d", runtime, got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC %d after 10 s of collections, want about %d", got, w)
		}
	}
}

// TestTunerKeepsHeadroom: with a small live heap the goal is the headroom above it; once the
// live heap is larger than the headroom, GOGC is 100 again; Stop puts it back to 100.
func TestTunerKeepsHeadroom(t *testing.T) {
	// Built by hand rather than by Start, which GOGC in the test's environment would turn off.
	tu := &Tuner{headroom: 64 << 20}
	tu.sample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tu.percent.Store(int64(debug.SetGCPercent(100)))
	defer tu.Stop()
	tu.arm()
	waitPercent(t, tu, func() int { return int(min(uint64(64<<20)*100/max(live(), 1), 64*100/4)) })
	if tu.Percent() <= 100 {
		t.Fatalf("GOGC %d with a live heap of %d bytes, want well above 100", tu.Percent(), live())
	}

	big := make([][]byte, 0, 96)
	for range 96 { // 96 MiB live, more than the headroom
		big = append(big, make([]byte, 1<<20))
	}
	waitPercent(t, tu, func() int { return 100 })
	runtime.KeepAlive(big)

	tu.Stop()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC %d after Stop, want 100", got)
	}
}

// TestStartRespectsGOGC: a GOGC in the environment turns the tuner off.
func TestStartRespectsGOGC(t *testing.T) {
	t.Setenv("GOGC", "50")
	if tu := Start(64 << 20); tu != nil {
		tu.Stop()
		t.Fatal("Start tuned the collector although GOGC is set")
	}
}

// TestHeapGoalBoundedUnderAllocation: started in a fresh process, with nothing live yet, and
// then made to allocate 2 GiB of garbage, the heap goal never goes past live + max(live,
// headroom) (plus GOGC=100's floor of 4 MB and some slack), however the collections fall.
func TestHeapGoalBoundedUnderAllocation(t *testing.T) {
	if os.Getenv("GCTUNE_CHILD") == "" {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHeapGoalBoundedUnderAllocation$", "-test.v")
		cmd.Env = append(os.Environ(), "GCTUNE_CHILD=1")
		cmd.Env = slices.DeleteFunc(cmd.Env, func(e string) bool { return strings.HasPrefix(e, "GOGC=") })
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	const headroom = 32 << 20
	tu := Start(headroom)
	if tu == nil {
		t.Fatal("Start did nothing although GOGC is not set")
	}
	defer tu.Stop()
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"}}
	var keep []byte
	worst := uint64(0)
	for i := range 2048 {
		keep = make([]byte, 1<<20) // garbage at the next allocation
		keep[i%len(keep)] = 1
		metrics.Read(s)
		goal, live := s[0].Value.Uint64(), s[1].Value.Uint64()
		worst = max(worst, goal)
		// The documented goal: live + max(live, headroom), with some slack. Memory allocated
		// while a collection marks counts as live, so live can exceed what the loop keeps.
		if limit := max(live, 4<<20) + max(live, headroom) + 16<<20; goal > limit {
			t.Fatalf("after %d MiB allocated: heap goal %d MiB, live %d MiB, headroom %d MiB", i+1, goal>>20, live>>20, headroom>>20)
		}
	}
	runtime.KeepAlive(keep)
	t.Logf("highest heap goal %d MiB, GOGC %d", worst>>20, tu.Percent())
}
