package store

import (
	"testing"
	"time"
)

// TestAppendMillis: the hand-written time format is TimeLayout's, years 0 to 9999 and beyond.
func TestAppendMillis(t *testing.T) {
	for _, tm := range []time.Time{time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.FixedZone("x", 3600)),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 1e6, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2019, 1, 2, 20, 18, 12, 563e6, time.UTC)} {
		if got, want := string(appendMillis(nil, tm)), FormatTime(tm); got != want {
			t.Errorf("appendMillis(%v) = %s, want %s", tm, got, want)
		}
	}
}
