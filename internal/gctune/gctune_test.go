package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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
	tu.tune()
	tu.arm()
	waitPercent(t, tu, func() int { return int(uint64(64<<20) * 100 / max(live(), 1)) })
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
