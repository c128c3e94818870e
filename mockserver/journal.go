package mockserver

import (
	"sync"
	"time"
)

// JournalEntry is one request the mock answered, its path as sent (escaped, without the
// query). It never holds a token or a body.
type JournalEntry struct {
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Operation string    `json:"operation,omitempty"`
	Status    int       `json:"status"`
	UserID    int       `json:"user_id,omitempty"`
	Fault     bool      `json:"fault,omitempty"`
}

// journal keeps the last entries in a ring of fixed size.
type journal struct {
	mu      sync.Mutex
	entries []JournalEntry
	next    int
	full    bool
}

// JournalSize is how many requests the journal keeps; older ones are dropped.
const JournalSize = 10000

func newJournal() *journal { return &journal{entries: make([]JournalEntry, JournalSize)} }

func (j *journal) add(e JournalEntry) {
	j.mu.Lock()
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
	j.full = j.full || j.next == 0
	j.mu.Unlock()
}

// JournalFilter selects entries; zero fields match anything.
type JournalFilter struct {
	Method, Path, Operation string
	Status, UserID          int
}

func (f JournalFilter) match(e JournalEntry) bool {
	return (f.Method == "" || f.Method == e.Method) && (f.Path == "" || f.Path == e.Path) &&
		(f.Operation == "" || f.Operation == e.Operation) && (f.Status == 0 || f.Status == e.Status) &&
		(f.UserID == 0 || f.UserID == e.UserID)
}

// list returns the matching entries, oldest first.
func (j *journal) list(f JournalFilter) []JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []JournalEntry{}
	start, n := 0, j.next
	if j.full {
		start, n = j.next, len(j.entries)
	}
	for i := 0; i < n; i++ {
		if e := j.entries[(start+i)%len(j.entries)]; f.match(e) {
			out = append(out, e)
		}
	}
	return out
}

func (j *journal) clear() {
	j.mu.Lock()
	j.next, j.full = 0, false
	j.mu.Unlock()
}
