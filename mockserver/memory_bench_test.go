package mockserver_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/glclusters/clustersapi/mockserver"
)

// Memory per stored cluster, loading a million clusters, and what stored clusters cost the
// requests. Run: go test -run='^$' -bench='StoredCluster|GlmockLoad|ListPage|CreateStored' -benchtime=1x ./mockserver
// (the 1,000,000-cluster cases take about a minute and 2 GB of memory in all).

// benchSeedFile writes benchSeed(n) as a seed file in a temporary directory.
func benchSeedFile(b *testing.B, n int) string {
	path := filepath.Join(b.TempDir(), fmt.Sprintf("seed-%d.json", n))
	if err := os.WriteFile(path, benchSeed(n).JSON(), 0o600); err != nil {
		b.Fatal(err)
	}
	runtime.GC() // the seed is garbage now; the measurements below start clean
	return path
}

// serverHeap is the heap a server started from the seed file keeps (everything it holds:
// the state, the compact copy for resets, the journal, the parsed spec's share is the same
// for every server), and the server, kept alive by the caller.
func serverHeap(b *testing.B, seedFile string) (int64, *mockserver.Server) {
	before := liveHeap()
	var opts []mockserver.Option
	if seedFile != "" {
		seed, err := mockserver.LoadSeed(seedFile)
		if err != nil {
			b.Fatal(err)
		}
		opts = append(opts, mockserver.WithSeed(seed))
	}
	srv, err := mockserver.New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	return liveHeap() - before, srv
}

// BenchmarkStoredClusterMemory reports the live heap per stored cluster: a server holding n
// clusters less one holding the default seed, over n. The loop serves list pages.
func BenchmarkStoredClusterMemory(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			file := benchSeedFile(b, n)
			idle, idleSrv := serverHeap(b, "")
			loaded, srv := serverHeap(b, file)
			runtime.KeepAlive(idleSrv)
			b.ResetTimer()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, benchListPath+"?page=2", nil)
				req.Header.Set("Private-Token", "maintainer-token")
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET: %d", rec.Code)
				}
			}
			b.ReportMetric(float64(loaded-idle)/float64(n), "heap-B/cluster")
			b.ReportMetric(float64(loaded)/(1<<20), "heap-MB")
		})
	}
}

// procStatus reads a field of /proc/PID/status in MB (VmRSS, VmHWM: the peak).
func procStatus(b *testing.B, p *benchProc, field string) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return float64(kb) / 1024
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, p.cmd.Process.Pid)
	return 0
}

// startGlmockSlow is benchStartGlmock with time for a large seed to load.
func startGlmockSlow(b *testing.B, bin string, args ...string) *benchProc {
	argv := append([]string{bin, "--addr", "127.0.0.1:0"}, args...)
	return benchSpawn(b, argv, nil, -1, true, 5*time.Minute, func(raw []byte) (string, bool) {
		var line struct{ Msg, Addr string }
		ok := json.Unmarshal(raw, &line) == nil && line.Msg == "listening"
		return line.Addr, ok
	})
}

// totalOf is the X-Total of project 1's clusters.
func totalOf(b *testing.B, c *http.Client, base string) int {
	req, _ := http.NewRequest(http.MethodGet, base+benchListPath+"?per_page=1", nil)
	req.Header.Set("Private-Token", "maintainer-token")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET list: %d", resp.StatusCode)
	}
	n, _ := strconv.Atoi(resp.Header.Get("X-Total"))
	return n
}

// BenchmarkGlmockLoad loads a million clusters into the glmock binary, as users do: with
// --seed (exec to the first 200) and with PUT /-/mock/state (the body streamed from the
// file). It reports the time, the peak resident set (VmHWM) and the resident set after.
func BenchmarkGlmockLoad(b *testing.B) {
	const n = 1_000_000
	bin := benchBuildGlmock(b)
	file := benchSeedFile(b, n)
	c := benchClient()
	defer c.CloseIdleConnections()
	b.Run("seed", func(b *testing.B) {
		for b.Loop() {
			t0 := time.Now()
			p := startGlmockSlow(b, bin, "--seed", file)
			if got := totalOf(b, c, p.URL); got != n {
				b.Fatalf("X-Total %d, want %d", got, n)
			}
			b.ReportMetric(time.Since(t0).Seconds(), "s/start")
			b.ReportMetric(procStatus(b, p, "VmHWM"), "peak-RSS-MB")
			b.ReportMetric(procStatus(b, p, "VmRSS"), "RSS-MB")
			p.stop()
		}
	})
	b.Run("put", func(b *testing.B) {
		for b.Loop() {
			p := startGlmockSlow(b, bin)
			f, err := os.Open(file)
			if err != nil {
				b.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodPut, p.URL+"/-/mock/state", bufio.NewReader(f))
			req.Header.Set("Private-Token", "root-token")
			req.Header.Set("Content-Type", "application/json")
			t0 := time.Now()
			resp, err := c.Do(req)
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				b.Fatalf("PUT /-/mock/state: %d", resp.StatusCode)
			}
			b.ReportMetric(time.Since(t0).Seconds(), "s/put")
			if got := totalOf(b, c, p.URL); got != n {
				b.Fatalf("X-Total %d, want %d", got, n)
			}
			b.ReportMetric(procStatus(b, p, "VmHWM"), "peak-RSS-MB")
			b.ReportMetric(procStatus(b, p, "VmRSS"), "RSS-MB")
			p.stop()
		}
	})
}

// BenchmarkListPage1M is BenchmarkListPage100k with a million clusters: a page costs the
// same whatever the number stored (x-100 against BenchmarkListPage100 in the same run).
func BenchmarkListPage1M(b *testing.B) {
	benchPage(b, 1_000_000, map[string]int{"first": 1, "middle": 25_000})
}

// BenchmarkCreateStored is the in-process cost of a create with the default seed and with
// 100,000 clusters stored (x-default: the ratio), garbage collection included: stored
// clusters should not make each request dearer.
func BenchmarkCreateStored(b *testing.B) {
	var base float64
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			opts := []mockserver.Option{mockserver.WithMaxClusters(10_000_000)}
			if n > 0 {
				opts = append(opts, mockserver.WithSeed(benchSeed(n)))
			}
			srv, err := mockserver.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				i++
				body := `{"name":"c-` + strconv.Itoa(i) + `","environment_scope":"s-` + strconv.Itoa(i) +
					`/*","platform_kubernetes_attributes":{"api_url":"https://kubernetes.example.com","token":"load-token"}}`
				req := httptest.NewRequest(http.MethodPost, benchCreateURL, strings.NewReader(body))
				req.Header.Set("Private-Token", "maintainer-token")
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("POST: %d %s", rec.Code, rec.Body)
				}
			}
			nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if n == 0 {
				base = nsPerOp
			} else if base > 0 {
				b.ReportMetric(nsPerOp/base, "x-default")
			}
		})
	}
}
