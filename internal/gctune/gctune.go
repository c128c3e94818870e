// Package gctune gives a server whose live heap is small some fixed room to allocate before the garbage collector runs again, which GOGC alone scales down with the heap.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Tuner keeps the heap goal about headroom bytes above the live heap after every collection,
// and at GOGC=100's goal (twice the live heap) once that is larger. A mock
// server that keeps a few MB live and allocates a few kB per request otherwise collects
// every few hundred requests, re-marking the same live heap each time.
type Tuner struct {
	headroom uint64
	stopped  atomic.Bool
	sample   []metrics.Sample
	percent  atomic.Int64 // the GOGC value set last; only tune writes it
}

// minHeap is the runtime's smallest heap goal at GOGC=100 (runtime's defaultHeapMinimum).
const minHeap = 4 << 20

// Start tunes the collector from now on. It does nothing, and returns nil, when GOGC is set in
// the environment: the user's setting wins.
func Start(headroom uint64) *Tuner {
	if _, set := os.LookupEnv("GOGC"); set {
		return nil
	}
	t := &Tuner{headroom: headroom, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.percent.Store(int64(debug.SetGCPercent(100)))
	t.arm() // the first tuning needs a live heap measured by a collection
	return t
}

// Stop ends the tuning and puts GOGC back to 100.
func (t *Tuner) Stop() {
	if t == nil || t.stopped.Swap(true) {
		return
	}
	debug.SetGCPercent(100)
}

// Percent is the GOGC value the tuner set last.
func (t *Tuner) Percent() int { return int(t.percent.Load()) }

// arm runs tune after the next collection: a finalizer runs once its object is found
// unreachable, which takes a collection, and re-arms itself.
func (t *Tuner) arm() {
	sentinel := new([32]byte) // not a tiny allocation, whose finalizer might never run
	runtime.SetFinalizer(sentinel, func(*[32]byte) {
		if t.stopped.Load() {
			return
		}
		t.tune()
		t.arm()
	})
}

// tune sets GOGC so that the next goal is live + max(live, headroom).
func (t *Tuner) tune() {
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() != metrics.KindUint64 || t.sample[0].Value.Uint64() == 0 {
		return // no collection has measured the live heap yet: GOGC stays as it is
	}
	live := t.sample[0].Value.Uint64()
	// The runtime's smallest goal, 4 MB at GOGC=100, scales with GOGC too: capping GOGC at
	// headroom/4 MB keeps a tiny live heap's goal at about the headroom, not a multiple of it.
	percent := 100
	if live < t.headroom {
		percent = int(min(t.headroom*100/live, t.headroom*100/minHeap))
	}
	// Only a change of more than an eighth is worth a call into the runtime.
	if last := int(t.percent.Load()); percent-last > last/8 || last-percent > last/8 {
		debug.SetGCPercent(percent)
		t.percent.Store(int64(percent))
	}
}
