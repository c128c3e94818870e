package mockserver_test

// Benchmarks for the performance targets of the issue, run by `make bench`:
//
//   - GET list and POST create throughput of the mock against a bare net/http server that
//     answers the same bytes (BenchmarkListBare/BenchmarkListMock,
//     BenchmarkCreateBare/BenchmarkCreateMock). Targets: mock >= 0.7x bare for GET list,
//     >= 0.4x for POST create. The Mock benchmarks report the ratio as "x-bare" when the Bare
//     one ran before them in the same run.
//   - A page of the list with 100 and with 100,000 clusters stored (BenchmarkListPage100,
//     BenchmarkListPage100k; target: no more than 2x slower; Page100k reports "x-100").
//   - Resident memory at idle and with 100,000 clusters (BenchmarkMemory; targets 30 MB, 200 MB).
//   - First successful response after start (BenchmarkStartToFirstResponse; target 50 ms): New
//     in process, this test binary as a server process, and the glmock binary (built with the go
//     command) from exec to its first 200.
//
// Nothing here asserts a timing: the figures are reported for a person to read.
//
// These measure the handler in a test binary with request logging off. The figures users see
// (the glmock binary with its JSON log, against a bare server returning canned bytes) come from
// the shared harnesses: `make bench-wrk` and `make bench-instr` (README, Benchmarks).
//
// How the throughput benchmarks keep server and load apart: each server (the mock, or the bare
// one) runs in a subprocess, which is this test binary re-executed as TestBenchHelperProcess.
// Both kinds of server therefore run the same Go runtime with the same settings: GOMAXPROCS=1,
// pinned with taskset to the first CPU this process may use. For the length of the benchmark
// the benchmark process itself (the load generator: benchConns client goroutines on keep-alive
// connections over loopback) is pinned to the second CPU and runs with GOMAXPROCS=1; both are
// restored afterwards. Without taskset or with fewer than two CPUs the processes are not pinned
// and the benchmark logs so. Set GLMOCK_BENCH_CPUPROFILE=DIR to have each server subprocess
// write a CPU profile to DIR (the -cpuprofile flag would profile the load generator instead).
// Set GLMOCK_BENCH_LOG=json to have the mock log every request through glmock's default slog
// JSON handler, to io.Discard (to profile what the binary does per request). Set
// GLMOCK_BENCH_MOCK=glmock to measure the glmock binary (same seed, JSON request log on its
// stdout) in place of mockserver.New's handler in the test binary.
//
// In the throughput benchmarks ns/op is wall time per request at benchConns concurrent
// connections, and B/op and allocs/op (from -benchmem) are the load generator's, not the
// server's; req/s and x-bare are the figures to read.
//
// The memory and start-up benchmarks use the same subprocess, unpinned: a fresh process is the
// only honest place to read a resident set size. The subprocess is the test binary rather than
// glmock, so its figures include the testing package's small overhead.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glclusters/clustersapi/internal/testproc"
	"github.com/glclusters/clustersapi/mockserver"
)

const (
	benchConns     = 8  // client goroutines, one keep-alive connection each
	benchListSize  = 20 // clusters in project 1 for the list benchmarks: one default page
	benchWarmup    = 200
	benchListPath  = "/api/v4/projects/1/clusters"
	benchCreateURL = "/api/v4/projects/1/clusters/user"
)

// Requests per second of the bare server, for the mock's "x-bare" ratio in the same run.
var (
	benchBareListRPS   atomic.Uint64 // float64 bits
	benchBareCreateRPS atomic.Uint64
	benchPage100       sync.Map // sub-benchmark name -> ns/op (float64)
)

// benchSeed is the default seed with project 1 holding n clusters (18 and n-1 more).
func benchSeed(n int) *mockserver.Seed {
	s := mockserver.DefaultSeed()
	s.NextClusterID = 0 // recomputed from the clusters (Seed.WithDefaults)
	for i := range n - 1 {
		s.Clusters = append(s.Clusters, mockserver.SeedCluster{
			ID: 20 + i, ProjectID: 1, Name: fmt.Sprintf("bench-%d", i), Enabled: true, Managed: true,
			ProviderType: "user", EnvironmentScope: fmt.Sprintf("bench-%d/*", i), NamespacePerEnvironment: true,
			UserID: 1, CreatedAt: "2019-01-02T20:18:12.563Z",
			Platform: mockserver.SeedPlatform{APIURL: "https://kubernetes.example.com", Token: "bench-token", AuthorizationType: "rbac"},
		})
	}
	return s
}

// ---- the server subprocess ----

// benchCanned is what the bare server answers: the mock's own responses, captured.
type benchCanned struct {
	List, Create benchResponse
}

type benchResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

func (c benchResponse) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range c.Header {
		if k != "Date" { // net/http sets its own, as for the mock
			h[k] = v
		}
	}
	w.WriteHeader(c.Status)
	w.Write(c.Body)
}

// TestBenchHelperProcess is not a test: it is the server subprocess of the benchmarks, and it
// skips unless GLMOCK_BENCH_ROLE is set (to "mock" or "bare"). It prints "ADDR host:port" once
// it listens and serves until its stdin closes.
func TestBenchHelperProcess(t *testing.T) {
	role := os.Getenv("GLMOCK_BENCH_ROLE")
	if role == "" {
		t.Skip("the benchmarks' server subprocess; runs only when they start it")
	}
	if dir := os.Getenv("GLMOCK_BENCH_CPUPROFILE"); dir != "" {
		f, err := os.CreateTemp(dir, "glmock-"+role+"-*.pprof")
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	var h http.Handler
	switch role {
	case "mock":
		// The seed is built and handed over in one expression, so that nothing here keeps it
		// alive once the mock holds its state, as glmock --seed does.
		var s *mockserver.Server
		var err error
		opts := []mockserver.Option{mockserver.WithMaxClusters(math.MaxInt32)} // create rounds store about b.N clusters
		if os.Getenv("GLMOCK_BENCH_LOG") == "json" {
			// glmock's default request log (slog's JSON handler), written to nowhere.
			opts = append(opts, mockserver.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))))
		}
		if n, _ := strconv.Atoi(os.Getenv("GLMOCK_BENCH_CLUSTERS")); n > 0 {
			s, err = mockserver.New(append(opts, mockserver.WithSeed(benchSeed(n)))...)
		} else {
			s, err = mockserver.New(opts...)
		}
		debug.FreeOSMemory() // as glmock's Main does once the state is built
		if err != nil {
			t.Fatal(err)
		}
		h = s
	case "bare":
		raw, err := os.ReadFile(os.Getenv("GLMOCK_BENCH_CANNED"))
		if err != nil {
			t.Fatal(err)
		}
		var canned benchCanned
		if err := json.Unmarshal(raw, &canned); err != nil {
			t.Fatal(err)
		}
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				io.Copy(io.Discard, r.Body)
				canned.Create.write(w)
				return
			}
			canned.List.write(w)
		})
	default:
		t.Fatalf("unknown GLMOCK_BENCH_ROLE %q", role)
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET /-/bench/memstats", func(w http.ResponseWriter, r *http.Request) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		json.NewEncoder(w).Encode(m)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	fmt.Printf("ADDR %s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin) // until the benchmark closes the pipe
	hs.Close()
}

// benchProc is a running server subprocess.
type benchProc struct {
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	URL       string
	interrupt bool // stop with SIGINT (glmock) rather than by closing stdin
}

// benchStart starts the server subprocess. cpu >= 0 pins it to that CPU with GOMAXPROCS=1.
func benchStart(tb testing.TB, env []string, cpu int) *benchProc {
	tb.Helper()
	argv := []string{os.Args[0], "-test.run=^TestBenchHelperProcess$", "-test.count=1"}
	// building a 100k seed under -race can take a while
	return benchSpawn(tb, argv, env, cpu, false, 60*time.Second, func(line []byte) (string, bool) {
		return strings.CutPrefix(string(line), "ADDR ")
	})
}

// benchSpawn runs argv (pinned when cpu >= 0) and waits for addrOf to find the address it
// listens on in a line of its output. interrupt: stop it with SIGINT, not by closing stdin.
func benchSpawn(tb testing.TB, argv, env []string, cpu int, interrupt bool, wait time.Duration,
	addrOf func(line []byte) (string, bool)) *benchProc {
	tb.Helper()
	if cpu >= 0 {
		argv = append([]string{"taskset", "-c", strconv.Itoa(cpu)}, argv...)
		env = append(env, "GOMAXPROCS=1")
	}
	cmd := testproc.Command(tb, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &benchProc{cmd: cmd, stdin: stdin, interrupt: interrupt}
	tb.Cleanup(p.stop)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := addrOf(sc.Bytes()); ok {
				addr <- a
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case a := <-addr:
		p.URL = "http://" + a
	case <-time.After(wait):
		tb.Fatalf("%s did not say where it listens within %s", filepath.Base(argv[len(argv)-1]), wait)
	}
	return p
}

func (p *benchProc) stop() {
	if p.stdin == nil {
		return
	}
	p.stdin.Close()
	p.stdin = nil
	if p.interrupt {
		p.cmd.Process.Signal(os.Interrupt)
	}
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// rssMB reads the subprocess's resident set size.
func (p *benchProc) rssMB(tb testing.TB) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return float64(kb) / 1024
		}
	}
	tb.Skip("no VmRSS in /proc/PID/status")
	return 0
}

// ---- CPU placement ----

// benchCPUs returns two CPUs this process may run on, or ok=false.
func benchCPUs() (server, load int, allowed string, ok bool) {
	if _, err := exec.LookPath("taskset"); err != nil {
		return 0, 0, "", false
	}
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, "", false
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, found := strings.CutPrefix(line, "Cpus_allowed_list:"); found {
			allowed = strings.TrimSpace(v)
		}
	}
	var cpus []int
	for part := range strings.SplitSeq(allowed, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil {
			return 0, 0, "", false
		}
		for c := a; c <= b && len(cpus) < 2; c++ {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) < 2 {
		return 0, 0, "", false
	}
	return cpus[0], cpus[1], allowed, true
}

// benchPin puts the benchmark process (the load generator) on its own CPU with GOMAXPROCS=1
// until the benchmark ends, and returns the CPU for the server subprocess (-1: not pinned).
func benchPin(b *testing.B) int {
	server, load, allowed, ok := benchCPUs()
	if !ok {
		b.Log("not pinning: needs taskset and two CPUs; server and load share the CPUs")
		return -1
	}
	pid := strconv.Itoa(os.Getpid())
	if out, err := testproc.Command(b, "taskset", "-a", "-p", "-c", strconv.Itoa(load), pid).CombinedOutput(); err != nil {
		b.Logf("not pinning: taskset: %v: %s", err, out)
		return -1
	}
	procs := runtime.GOMAXPROCS(1)
	b.Cleanup(func() {
		runtime.GOMAXPROCS(procs)
		// The benchmark's context has ended by now: bound this one by its own.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		exec.CommandContext(ctx, "taskset", "-a", "-p", "-c", allowed, pid).Run()
	})
	return server
}

// ---- the load generator ----

func benchClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: benchConns, MaxConnsPerHost: benchConns,
			DisableCompression: true, IdleConnTimeout: time.Minute},
		Timeout: 30 * time.Second,
	}
}

// benchRequest builds request i; want is the status it must get.
type benchRequest func(base string, i int64) (*http.Request, int)

func benchList(base string, _ int64) (*http.Request, int) {
	req, _ := http.NewRequest(http.MethodGet, base+benchListPath, nil)
	req.Header.Set("Private-Token", "maintainer-token")
	return req, http.StatusOK
}

// benchCreate posts a cluster with a unique environment scope, so every create succeeds.
func benchCreate(base string, i int64) (*http.Request, int) {
	body := `{"name":"load-` + strconv.FormatInt(i, 10) + `","environment_scope":"load-` + strconv.FormatInt(i, 10) +
		`/*","platform_kubernetes_attributes":{"api_url":"https://kubernetes.example.com","token":"load-token"}}`
	req, _ := http.NewRequest(http.MethodPost, base+benchCreateURL, strings.NewReader(body))
	req.Header.Set("Private-Token", "maintainer-token")
	req.Header.Set("Content-Type", "application/json")
	return req, http.StatusCreated
}

var benchSeq atomic.Int64 // request numbers, unique across rounds and benchmarks

func benchOne(c *http.Client, base string, mk benchRequest) error {
	req, want := mk(base, benchSeq.Add(1))
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
	}
	return err
}

// benchDrive sends b.N requests from benchConns goroutines and reports requests per second.
func benchDrive(b *testing.B, base string, mk benchRequest) float64 {
	c := benchClient()
	defer c.CloseIdleConnections()
	var failed atomic.Pointer[error]
	run := func(n int64) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range benchConns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= n && failed.Load() == nil {
					if err := benchOne(c, base, mk); err != nil {
						failed.CompareAndSwap(nil, &err)
					}
				}
			}()
		}
		wg.Wait()
	}
	run(benchWarmup) // opens the connections
	b.ReportAllocs()
	b.ResetTimer()
	run(int64(b.N))
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	rps := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rps, "req/s")
	return rps
}

// benchCapture asks a mock subprocess for one response to capture for the bare server.
func benchCapture(b *testing.B, base string, mk benchRequest) benchResponse {
	req, want := mk(base, benchSeq.Add(1))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != want {
		b.Fatalf("capture %s %s: %d %s (%v)", req.Method, req.URL.Path, resp.StatusCode, body, err)
	}
	return benchResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// benchBare starts the bare server answering the mock's own list and create responses.
func benchBare(b *testing.B, cpu int) *benchProc {
	mock := benchStart(b, []string{"GLMOCK_BENCH_ROLE=mock", "GLMOCK_BENCH_CLUSTERS=" + strconv.Itoa(benchListSize)}, -1)
	canned := benchCanned{List: benchCapture(b, mock.URL, benchList), Create: benchCapture(b, mock.URL, benchCreate)}
	mock.stop()
	raw, _ := json.Marshal(canned)
	file := filepath.Join(b.TempDir(), "canned.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		b.Fatal(err)
	}
	return benchStart(b, []string{"GLMOCK_BENCH_ROLE=bare", "GLMOCK_BENCH_CANNED=" + file, benchProfileEnv()}, cpu)
}

// benchMock starts the mock's handler (mockserver.New, as tests use it) in a subprocess, or,
// with GLMOCK_BENCH_MOCK=glmock, the glmock binary with the same seed, which also logs every
// request as JSON to its stdout.
func benchMock(b *testing.B, cpu int) *benchProc {
	if os.Getenv("GLMOCK_BENCH_MOCK") == "glmock" {
		seed := filepath.Join(b.TempDir(), "seed.json")
		if err := os.WriteFile(seed, benchSeed(benchListSize).JSON(), 0o600); err != nil {
			b.Fatal(err)
		}
		return benchStartGlmock(b, benchBuildGlmock(b), cpu, "--seed", seed, "--max-clusters", strconv.Itoa(math.MaxInt32))
	}
	return benchStart(b, []string{"GLMOCK_BENCH_ROLE=mock", "GLMOCK_BENCH_CLUSTERS=" + strconv.Itoa(benchListSize), benchProfileEnv(),
		"GLMOCK_BENCH_LOG=" + os.Getenv("GLMOCK_BENCH_LOG")}, cpu)
}

func benchProfileEnv() string {
	return "GLMOCK_BENCH_CPUPROFILE=" + os.Getenv("GLMOCK_BENCH_CPUPROFILE")
}

func benchStoreRPS(v *atomic.Uint64, rps float64) { v.Store(math.Float64bits(rps)) }

func benchRatio(b *testing.B, v *atomic.Uint64, rps float64) {
	if bare := math.Float64frombits(v.Load()); bare > 0 {
		b.ReportMetric(rps/bare, "x-bare")
	}
}

// ---- throughput: mock against bare ----

// The throughput benchmarks stop their server before returning: the benchmark's context ends
// (killing the process) before cleanups run, and a CPU profile is written only on a clean stop.
func BenchmarkListBare(b *testing.B) {
	p := benchBare(b, benchPin(b))
	benchStoreRPS(&benchBareListRPS, benchDrive(b, p.URL, benchList))
	p.stop()
}

func BenchmarkListMock(b *testing.B) {
	p := benchMock(b, benchPin(b))
	benchRatio(b, &benchBareListRPS, benchDrive(b, p.URL, benchList))
	p.stop()
}

func BenchmarkCreateBare(b *testing.B) {
	p := benchBare(b, benchPin(b))
	benchStoreRPS(&benchBareCreateRPS, benchDrive(b, p.URL, benchCreate))
	p.stop()
}

// BenchmarkCreateMock starts a fresh mock for each round, so the store holds about b.N
// clusters at the end of a round: a realistic size, and the cost of the uniqueness check grows
// with it.
func BenchmarkCreateMock(b *testing.B) {
	p := benchMock(b, benchPin(b))
	benchRatio(b, &benchBareCreateRPS, benchDrive(b, p.URL, benchCreate))
	p.stop()
}

// ---- a page of the list, 100 against 100,000 clusters (in process: the handler's cost) ----

func benchPage(b *testing.B, n int, pages map[string]int) {
	srv, err := mockserver.New(mockserver.WithSeed(benchSeed(n)))
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"first", "middle"} {
		b.Run(name, func(b *testing.B) {
			target := fmt.Sprintf("%s?per_page=20&page=%d", benchListPath, pages[name])
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.Header.Set("Private-Token", "maintainer-token")
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || rec.Header().Get("X-Total") != strconv.Itoa(n) {
					b.Fatalf("GET %s: %d, X-Total %q", target, rec.Code, rec.Header().Get("X-Total"))
				}
			}
			nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if n == 100 {
				benchPage100.Store(name, nsPerOp)
			} else if base, ok := benchPage100.Load(name); ok {
				b.ReportMetric(nsPerOp/base.(float64), "x-100")
			}
		})
	}
}

func BenchmarkListPage100(b *testing.B) {
	benchPage(b, 100, map[string]int{"first": 1, "middle": 3})
}

func BenchmarkListPage100k(b *testing.B) {
	benchPage(b, 100_000, map[string]int{"first": 1, "middle": 2_500})
}

// ---- start-up and memory ----

// BenchmarkStartToFirstResponse measures New plus the first successful GET of the list in
// process, and a fresh server process from exec to its first 200 over HTTP.
func BenchmarkStartToFirstResponse(b *testing.B) {
	b.Run("in-process", func(b *testing.B) {
		for b.Loop() {
			srv, err := mockserver.New()
			if err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, benchListPath, nil)
			req.Header.Set("Private-Token", "maintainer-token")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("first GET: %d %s", rec.Code, rec.Body)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/start")
	})
	b.Run("process", func(b *testing.B) {
		benchFirstResponse(b, func() *benchProc { return benchStart(b, []string{"GLMOCK_BENCH_ROLE=mock"}, -1) })
	})
	b.Run("glmock", func(b *testing.B) {
		bin := benchBuildGlmock(b)
		b.ResetTimer()
		benchFirstResponse(b, func() *benchProc { return benchStartGlmock(b, bin, -1) })
	})
}

// benchBuildGlmock builds cmd/glmock into the benchmark's temporary directory (the go
// command is needed; else skip). The build cache makes this a link step.
func benchBuildGlmock(b *testing.B) string {
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.Skip("no go command to build cmd/glmock")
	}
	bin := filepath.Join(b.TempDir(), "glmock")
	if out, err := testproc.Command(b, goTool, "build", "-o", bin, "../cmd/glmock").CombinedOutput(); err != nil {
		b.Fatalf("go build ../cmd/glmock: %v: %s", err, out)
	}
	return bin
}

// benchStartGlmock starts glmock on a free port; it logs {"msg":"listening","addr":...} first.
func benchStartGlmock(b *testing.B, bin string, cpu int, args ...string) *benchProc {
	argv := append([]string{bin, "--addr", "127.0.0.1:0"}, args...)
	return benchSpawn(b, argv, nil, cpu, true, 30*time.Second, func(raw []byte) (string, bool) {
		var line struct{ Msg, Addr string }
		ok := json.Unmarshal(raw, &line) == nil && line.Msg == "listening"
		return line.Addr, ok
	})
}

// BenchmarkMemory reports a fresh mock process's resident set (VmRSS) and live heap after its
// first request, with the default seed ("idle") and with 100,000 clusters stored; the loop
// serves list pages meanwhile.
func BenchmarkMemory(b *testing.B) {
	for _, tc := range []struct {
		name     string
		clusters int
		glmock   bool // the glmock binary with a seed file, as users run it
	}{{"idle", 0, false}, {"clusters=100000", 100_000, false}, {"glmock/idle", 0, true}, {"glmock/clusters=100000", 100_000, true}} {
		b.Run(tc.name, func(b *testing.B) {
			var p *benchProc
			if tc.glmock {
				var args []string
				if tc.clusters > 0 {
					seed := filepath.Join(b.TempDir(), "seed.json")
					if err := os.WriteFile(seed, benchSeed(tc.clusters).JSON(), 0o600); err != nil {
						b.Fatal(err)
					}
					args = append(args, "--seed", seed)
				}
				p = benchStartGlmock(b, benchBuildGlmock(b), -1, args...)
				rss := p.rssMB(b)
				c := benchClient()
				defer c.CloseIdleConnections()
				b.ResetTimer()
				for b.Loop() {
					if err := benchOne(c, p.URL, benchList); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(rss, "RSS-MB")
				b.ReportMetric(p.rssMB(b), "RSS-after-MB")
				return
			}
			p = benchStart(b, []string{"GLMOCK_BENCH_ROLE=mock", "GLMOCK_BENCH_CLUSTERS=" + strconv.Itoa(tc.clusters)}, -1)
			c := benchClient()
			defer c.CloseIdleConnections()
			if err := benchOne(c, p.URL, benchList); err != nil {
				b.Fatal(err)
			}
			rss := p.rssMB(b)
			resp, err := c.Get(p.URL + "/-/bench/memstats")
			if err != nil {
				b.Fatal(err)
			}
			var m runtime.MemStats
			err = json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := benchOne(c, p.URL, benchList); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(rss, "RSS-MB")
			b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heap-MB")
			b.ReportMetric(p.rssMB(b), "RSS-after-MB")
		})
	}
}

// benchFirstResponse times start (a fresh server process) up to its first successful list.
func benchFirstResponse(b *testing.B, start func() *benchProc) {
	c := benchClient()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		p := start()
		if err := benchOne(c, p.URL, benchList); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		b.StopTimer()
		c.CloseIdleConnections()
		p.stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/start")
}
