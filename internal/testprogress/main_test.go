package main

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestRecordedStream replays `go test -json -p 1 ./...` over a module with a passing package, a
// failing test (in a subtest), a package without tests and a build failure (testdata/stream.json).
func TestRecordedStream(t *testing.T) {
	in, err := os.ReadFile("testdata/stream.json")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ok := run(bytes.NewReader(in), newProgress(&out), time.Now)
	if ok {
		t.Error("run reported success for a stream with a failed test and a failed build")
	}
	const golden = "testdata/stream.golden"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("output differs from %s (go test -update):\n%s", golden, out.String())
	}
	for _, must := range []string{"got 1, want 2", "undefined: undefined", "FAIL example.com/tp/fail", "ok   example.com/tp/pass"} {
		if !strings.Contains(out.String(), must) {
			t.Errorf("output lacks %q", must)
		}
	}
}

// TestOnlyPassesExitZero: the pass package's events alone are a success.
func TestOnlyPassesExitZero(t *testing.T) {
	in, err := os.ReadFile("testdata/stream.json")
	if err != nil {
		t.Fatal(err)
	}
	var pass []string
	for _, line := range strings.Split(string(in), "\n") {
		if strings.Contains(line, `"Package":"example.com/tp/pass"`) {
			pass = append(pass, line)
		}
	}
	var out bytes.Buffer
	if !run(strings.NewReader(strings.Join(pass, "\n")), newProgress(&out), time.Now) {
		t.Errorf("a passing package reported as a failure:\n%s", out.String())
	}
	if !strings.HasSuffix(out.String(), "1 packages ok\n") {
		t.Errorf("summary: %q", out.String())
	}
}

// TestSlowTestIsReported: a top-level test is reported once per 30 s while it runs, never after.
func TestSlowTestIsReported(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.event(event{Action: "run", Package: "pkg", Test: "TestSlow"}, t0)
	p.event(event{Action: "run", Package: "pkg", Test: "TestSlow/sub"}, t0)
	for _, tc := range []struct {
		last, now time.Duration
		want      string
	}{
		{0, 25 * time.Second, ""},
		{25 * time.Second, 31 * time.Second, "  ... pkg TestSlow still running (30s)\n"},
		{31 * time.Second, 36 * time.Second, ""},
		{56 * time.Second, 61 * time.Second, "  ... pkg TestSlow still running (1m0s)\n"},
	} {
		out.Reset()
		p.tick(t0.Add(tc.last), t0.Add(tc.now))
		if out.String() != tc.want {
			t.Errorf("tick(%s, %s) = %q, want %q", tc.last, tc.now, out.String(), tc.want)
		}
	}
	p.event(event{Action: "pass", Package: "pkg", Test: "TestSlow"}, t0.Add(70*time.Second))
	out.Reset()
	p.tick(t0.Add(85*time.Second), t0.Add(91*time.Second))
	if out.Len() != 0 {
		t.Errorf("a finished test reported: %q", out.String())
	}
}
