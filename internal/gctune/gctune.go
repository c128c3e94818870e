// Package gctune gives a server whose live heap is small a fixed room to allocate before the garbage collector runs again, which GOGC alone scales down with the heap.
package gctune

import "os"

// Headroom holds a ballast: a pointer-free allocation that is never written, so the kernel
// never backs it with memory and the collector never scans it, but that counts as live heap.
// With GOGC=100 the runtime's heap goal is twice the live heap, so the goal is
// 2 × (live + ballast): the heap may grow by the ballast plus what is live before a
// collection. The bound is the runtime's own rule (GOGC=100) applied once at start, not a
// setting re-tuned after collections: nothing can go stale between two tunings.
type Headroom struct {
	ballast []byte
}

// Start allocates a ballast of size bytes. It does nothing, and returns nil, when GOGC or
// GOMEMLIMIT is set in the environment: the user's setting wins (a ballast would count
// against a memory limit).
func Start(size uint64) *Headroom {
	if _, set := os.LookupEnv("GOGC"); set {
		return nil
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return nil
	}
	return &Headroom{ballast: make([]byte, size)}
}

// Size is the ballast's size in bytes (0 for a nil Headroom).
func (h *Headroom) Size() int {
	if h == nil {
		return 0
	}
	return len(h.ballast)
}

// Stop releases the ballast at the next collection. Until then the caller keeps h reachable
// (glmock's main holds it until it exits).
func (h *Headroom) Stop() {
	if h == nil {
		return
	}
	h.ballast = nil
}
