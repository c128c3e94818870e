package mockserver

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// JournalEntry is one request the mock answered, its path as sent (escaped, without the
// query). It never holds a token or a body.
type JournalEntry struct {
	// Seq numbers entries from 1 in arrival order; it pages the control API (?after=Seq).
	Seq       int       `json:"seq"`
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Operation string    `json:"operation,omitempty"`
	Status    int       `json:"status"`
	UserID    int       `json:"user_id,omitempty"`
	Fault     bool      `json:"fault,omitempty"`
	// Truncated says the method or path was longer than the journal keeps (JournalMaxPath
	// bytes for the path, 32 for the method) and was cut.
	Truncated bool `json:"truncated,omitempty"`
}

const (
	// JournalSize is how many requests the journal keeps; older ones are dropped.
	JournalSize = 10000
	// JournalMaxPath bounds the path one entry holds (longer ones are cut, with Truncated), so
	// that with journalMaxMethod the journal stays under about JournalSize × 2.2 KiB (22 MiB)
	// whatever clients send.
	JournalMaxPath = 2048
)

// journalMaxMethod bounds the method one entry holds.
const journalMaxMethod = 32

// journal keeps the last entries in a ring of fixed size.
type journal struct {
	mu      sync.Mutex
	entries []JournalEntry
	next    int
	full    bool
	seq     int
}

func newJournal() *journal { return &journal{entries: make([]JournalEntry, JournalSize)} }

// cut shortens s to at most n bytes. Escaped paths and methods are ASCII, so a byte cut
// splits no character; the copy keeps the long original from being pinned.
func cut(s string, n int) (string, bool) {
	if len(s) <= n {
		return strings.Clone(s), false // an escaped path may share the request line's memory
	}
	return strings.Clone(s[:n]), true
}

// method returns m without pinning the request line it was parsed from (a short method
// shares the memory of a 60 kB path sent with it).
func method(m string) (string, bool) {
	for _, known := range [...]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodHead, http.MethodPatch, http.MethodOptions} {
		if m == known {
			return known, false
		}
	}
	if len(m) > journalMaxMethod {
		return strings.Clone(m[:journalMaxMethod]), true
	}
	return strings.Clone(m), false
}

func (j *journal) add(e JournalEntry) {
	var cm, cp bool
	e.Method, cm = method(e.Method)
	e.Path, cp = cut(e.Path, JournalMaxPath)
	e.Truncated = cm || cp
	j.mu.Lock()
	j.seq++
	e.Seq = j.seq
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
	j.full = j.full || j.next == 0
	j.mu.Unlock()
}

// retainedBytes is what the kept entries' strings hold, the part clients control.
func (j *journal) retainedBytes() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for _, e := range j.entries {
		n += len(e.Method) + len(e.Path) + len(e.Operation)
	}
	return n
}

// JournalFilter selects entries; zero fields match anything. After skips entries up to and
// including that Seq, to page through the journal.
type JournalFilter struct {
	Method, Path, Operation string
	Status, UserID          int
	After                   int
}

func (f JournalFilter) match(e JournalEntry) bool {
	return e.Seq > f.After && (f.Method == "" || f.Method == e.Method) && (f.Path == "" || f.Path == e.Path) &&
		(f.Operation == "" || f.Operation == e.Operation) && (f.Status == 0 || f.Status == e.Status) &&
		(f.UserID == 0 || f.UserID == e.UserID)
}

// list returns the count of matching entries and the first limit of them (all when limit
// is 0), oldest first.
func (j *journal) list(f JournalFilter, limit int) (int, []JournalEntry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []JournalEntry{}
	count := 0
	start, n := 0, j.next
	if j.full {
		start, n = j.next, len(j.entries)
	}
	for i := 0; i < n; i++ {
		if e := j.entries[(start+i)%len(j.entries)]; f.match(e) {
			count++
			if limit == 0 || len(out) < limit {
				out = append(out, e)
			}
		}
	}
	return count, out
}

// clear empties the journal; Seq keeps counting, so a reader paging with After sees no repeats.
func (j *journal) clear() {
	j.mu.Lock()
	clear(j.entries) // drop the strings, not only the indexes
	j.next, j.full = 0, false
	j.mu.Unlock()
}

// Requests returns the journaled requests that match f, oldest first: what GET
// /-/mock/requests answers, without its page limit. The journal holds GitLab API requests
// (the catch-all included), not the control API's or the health check's. A filter that could
// never match (an Operation openapi.yaml does not have, a Path without its leading "/") is an
// error, as over HTTP: a test asserting "no such call" must not pass on a typo.
func (s *Server) Requests(f JournalFilter) ([]JournalEntry, error) {
	if err := checkMatch(s.ops, f.Operation, f.Path); err != nil {
		return nil, fmt.Errorf("requests: %w", err)
	}
	f.Method = strings.ToUpper(f.Method)
	_, out := s.journal.list(f, 0)
	return out, nil
}

// ClearRequests empties the journal.
func (s *Server) ClearRequests() { s.journal.clear() }
