package proxytest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Recorder is a second origin that records every request reaching it and answers as GitLab's
// /version does: where a redirect to another origin would lead.
type Recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

// NewRecorder starts a Recorder (on https with tls), closed when the test ends.
func NewRecorder(tb testing.TB, tls bool) *Recorder {
	tb.Helper()
	rec := &Recorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.seen = append(rec.seen, fmt.Sprintf("%s %s %v %s", r.Method, r.RequestURI, r.Header, body))
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"version":"17.0.0","revision":"x"}`)
	})
	if tls {
		rec.Server = httptest.NewTLSServer(h)
	} else {
		rec.Server = httptest.NewServer(h)
	}
	tb.Cleanup(rec.Close)
	return rec
}

// Seen returns the requests received so far: method, request URI, headers and body.
func (rec *Recorder) Seen() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...)
}
