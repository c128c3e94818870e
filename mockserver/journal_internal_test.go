package mockserver

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestJournalBoundedInBytes: whatever paths clients send, the journal keeps at most
// JournalMaxPath bytes of each and JournalSize entries.
func TestJournalBoundedInBytes(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	long := "/x" + strings.Repeat("a", 4<<10) // over the cap; the benchmark uses 60 kB
	const n = JournalSize + 400
	for i := 0; i < n; i++ {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", long, nil))
	}
	if got, limit := s.journal.retainedBytes(), JournalSize*(JournalMaxPath+journalMaxMethod); got > limit {
		t.Errorf("journal retains %d bytes, want at most %d", got, limit)
	}
	all, err := s.Requests(JournalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != JournalSize {
		t.Fatalf("journal holds %d entries, want %d", len(all), JournalSize)
	}
	last := all[len(all)-1]
	if !last.Truncated || len(last.Path) != JournalMaxPath || last.Path != long[:JournalMaxPath] || last.Seq != n {
		t.Errorf("last entry: truncated=%v len(path)=%d seq=%d", last.Truncated, len(last.Path), last.Seq)
	}
	s.ClearRequests()
	if got := s.journal.retainedBytes(); got != 0 {
		t.Errorf("a cleared journal retains %d bytes", got)
	}
}
