package main

import (
	"io"
	"sync"
	"time"
)

// logFlushAfter bounds how long a log line waits in the buffer; logBufferSize is how much
// waits at most (a full buffer is written at once).
const (
	logFlushAfter = 100 * time.Millisecond
	logBufferSize = 64 << 10
)

// logBuffer gathers log lines for stdout so that a busy mock makes one write(2) per buffer
// rather than one per request. Every Write must be whole lines (slog's handlers and
// mockserver.NewLogHandler write one line a call), and every write to w is whole lines: a
// line is never split between two writes. A line waits at most logFlushAfter (a timer armed
// by the first line after a flush, so an idle mock does not wake up); Close writes the rest.
// A crash (SIGKILL, out of memory) loses what is buffered.
type logBuffer struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	timer  *time.Timer // armed while buf holds lines
	after  time.Duration
	closed bool // after Close, lines go straight to w
}

func newLogBuffer(w io.Writer) *logBuffer {
	b := &logBuffer{w: w, buf: make([]byte, 0, logBufferSize), after: logFlushAfter}
	b.timer = time.AfterFunc(time.Hour, b.Flush)
	b.timer.Stop()
	return b
}

// Write buffers p, writing the buffer first when p does not fit, and p itself at once when
// it is larger than the buffer. Errors of w are dropped, as slog drops them.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || len(b.buf)+len(p) > cap(b.buf) {
		b.flushLocked()
		if b.closed || len(p) > cap(b.buf) {
			b.w.Write(p)
			return len(p), nil
		}
	}
	if len(b.buf) == 0 {
		b.timer.Reset(b.after)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes what is buffered.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

// Close writes what is buffered and lets any later line (a dropped connection's, whose
// handler may outlive the server's shutdown) through unbuffered.
func (b *logBuffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.closed = true
	return nil
}

func (b *logBuffer) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	b.timer.Stop()
	b.w.Write(b.buf)
	b.buf = b.buf[:0]
}
