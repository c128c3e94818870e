package mockserver_test

import (
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/glclusters/clustersapi/mockserver"
)

// BenchmarkJournalLongPaths measures the heap a mock retains after 10,400 anonymous requests
// with 60 kB paths (answered 404), the attack of issue 10: retained-MiB is the live heap
// after a GC, minus the idle mock's.
//
//	go test -run='^$' -bench=JournalLongPaths -benchtime=1x ./mockserver
func BenchmarkJournalLongPaths(b *testing.B) {
	const requests, pathBytes = 10400, 60 << 10
	for b.Loop() {
		s, err := mockserver.New()
		if err != nil {
			b.Fatal(err)
		}
		before := liveHeap()
		for i := range requests {
			path := "/x/" + strconv.Itoa(i) + strings.Repeat("a", pathBytes) // a fresh string, as a parsed request has
			s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		}
		after := liveHeap()
		runtime.KeepAlive(s)
		b.ReportMetric(float64(after-before)/(1<<20), "retained-MiB")
	}
}

func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
