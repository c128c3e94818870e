// Command testprogress prints make test's per-package progress from `go test -json` on stdin:
// a line when a package starts and when it ends, a line every 30 s for a test still running,
// and the whole output of every failed test, failed package and failed build. It exits 1 when
// anything failed.
//
//	set -o pipefail; go test -json ./... | go run ./internal/testprogress
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// event is one line of `go test -json` (cmd/test2json), with the build events of Go 1.24.
type event struct {
	Time       time.Time
	Action     string
	Package    string
	Test       string
	Elapsed    float64
	Output     string
	ImportPath string // build-output, build-fail
}

// slowAfter is how long a test runs before it is reported, and again every slowAfter.
const slowAfter = 30 * time.Second

type progress struct {
	mu      sync.Mutex
	w       io.Writer
	output  map[string]*strings.Builder // by package + "\x00" + test ("" for the package's own)
	build   map[string]*strings.Builder // build output by import path
	running map[string]time.Time        // top-level tests by package + "\x00" + test
	passed  int
	failed  []string
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, output: map[string]*strings.Builder{}, build: map[string]*strings.Builder{},
		running: map[string]time.Time{}}
}

func key(pkg, test string) string { return pkg + "\x00" + test }

func (p *progress) buffer(m map[string]*strings.Builder, k string) *strings.Builder {
	b := m[k]
	if b == nil {
		b = &strings.Builder{}
		m[k] = b
	}
	return b
}

// event handles one event; now is when it arrived.
func (p *progress) event(e event, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Action {
	case "build-output":
		p.buffer(p.build, e.ImportPath).WriteString(e.Output)
	case "build-fail":
		fmt.Fprintf(p.w, "BUILD FAIL %s\n%s", e.ImportPath, p.build[e.ImportPath].String())
		delete(p.build, e.ImportPath)
	case "output":
		p.buffer(p.output, key(e.Package, e.Test)).WriteString(e.Output)
	case "start":
		fmt.Fprintf(p.w, "run  %s\n", e.Package)
	case "run":
		if !strings.Contains(e.Test, "/") {
			p.running[key(e.Package, e.Test)] = now
		}
	case "pass", "skip", "fail":
		p.end(e)
	}
}

// end handles a test's or a package's result.
func (p *progress) end(e event) {
	k := key(e.Package, e.Test)
	out := p.output[k]
	delete(p.output, k)
	delete(p.running, k)
	if e.Test != "" {
		if e.Action == "fail" && out != nil {
			fmt.Fprintf(p.w, "--- output of %s %s\n%s", e.Package, e.Test, out.String())
		}
		return
	}
	switch {
	case e.Action == "fail":
		p.failed = append(p.failed, e.Package)
		if out != nil {
			io.WriteString(p.w, packageOutput(out.String()))
		}
		fmt.Fprintf(p.w, "FAIL %s  %.1fs\n", e.Package, e.Elapsed)
	case e.Action == "skip":
		fmt.Fprintf(p.w, "ok   %s  (no tests)\n", e.Package)
		p.passed++
	default:
		fmt.Fprintf(p.w, "ok   %s  %.1fs\n", e.Package, e.Elapsed)
		p.passed++
	}
	for rk := range p.running { // a package that ended took its tests with it
		if strings.HasPrefix(rk, e.Package+"\x00") {
			delete(p.running, rk)
		}
	}
}

// packageOutput is a failed package's own output without go test's verdict lines, which the
// FAIL line repeats.
func packageOutput(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if t := strings.TrimSpace(line); t == "FAIL" || t == "PASS" || strings.HasPrefix(t, "FAIL\t") || strings.HasPrefix(t, "ok  \t") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// tick reports the top-level tests that have been running for a multiple of slowAfter since
// the last tick.
func (p *progress) tick(last, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var lines []string
	for k, started := range p.running {
		before, after := last.Sub(started)/slowAfter, now.Sub(started)/slowAfter
		if after > before && after > 0 {
			pkg, test, _ := strings.Cut(k, "\x00")
			lines = append(lines, fmt.Sprintf("  ... %s %s still running (%s)\n", pkg, test, after*slowAfter))
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		io.WriteString(p.w, l)
	}
}

// summary prints the counts and reports whether everything passed.
func (p *progress) summary() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.failed) == 0 {
		fmt.Fprintf(p.w, "%d packages ok\n", p.passed)
		return true
	}
	fmt.Fprintf(p.w, "FAIL: %d of %d packages: %s\n", len(p.failed), len(p.failed)+p.passed, strings.Join(p.failed, " "))
	return false
}

// run reads events from r until EOF; lines that are not events (go's own errors) are printed
// as they are. It reports whether everything passed.
func run(r io.Reader, p *progress, now func() time.Time) bool {
	ok := true
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			p.mu.Lock()
			fmt.Fprintf(p.w, "%s\n", sc.Bytes())
			p.mu.Unlock()
			continue
		}
		if e.Action == "build-fail" {
			ok = false
		}
		p.event(e, now())
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(p.w, "testprogress: %v\n", err)
		ok = false
	}
	return p.summary() && ok
}

func main() {
	p := newProgress(os.Stdout)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				p.tick(last, now)
				last = now
			}
		}
	}()
	ok := run(os.Stdin, p, time.Now)
	close(done)
	if !ok {
		os.Exit(1)
	}
}
