package mockserver_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// BenchmarkWrk measures the mock against the bare server with wrk (Debian's wrk, C) as the load
// generator: on a 2-core machine the Go load generator of BenchmarkListBare/Mock runs out of CPU
// before a server does, so their ratio drifts towards 1. Each server is pinned to one core, wrk
// (one thread, 8 connections) to the other; every pair runs for a fixed 3 s, side by side in
// one run. It reports each side's requests a second and the mock's ratio to the bare server.
func BenchmarkWrk(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not installed (apt-get install wrk)")
	}
	serverCPU, loadCPU, _, ok := benchCPUs()
	if !ok {
		b.Skip("needs taskset and two CPUs")
	}
	script := filepath.Join(b.TempDir(), "create.lua")
	// Unique environment scopes, so that every create succeeds.
	if err := os.WriteFile(script, []byte(`
counter = 0
request = function()
  counter = counter + 1
  local body = '{"name":"wrk","environment_scope":"wrk-' .. counter .. '","platform_kubernetes_attributes":{"api_url":"https://kubernetes.example.com","token":"t"}}'
  return wrk.format("POST", "/api/v4/projects/1/clusters/user", {["PRIVATE-TOKEN"]="maintainer-token", ["Content-Type"]="application/json"}, body)
end
`), 0o600); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, url string, extra ...string) float64 {
		args := append([]string{"-c", strconv.Itoa(loadCPU), wrk, "-t1", "-c8", "-d3s", "-H", "PRIVATE-TOKEN: maintainer-token"}, extra...)
		out, err := testproc.Command(b, "taskset", append(args, url)...).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v: %s", err, out)
		}
		m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			b.Fatalf("wrk output: %s", out)
		}
		if regexp.MustCompile(`Non-2xx`).Match(out) {
			b.Fatalf("wrk saw errors: %s", out)
		}
		rps, _ := strconv.ParseFloat(string(m[1]), 64)
		return rps
	}
	for _, tc := range []struct {
		name  string
		path  string
		extra []string
	}{
		{"list", "/api/v4/projects/1/clusters", nil},
		{"create", "/api/v4/projects/1/clusters/user", []string{"-s", script}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			bare := benchBare(b, serverCPU)
			bareRPS := run(b, bare.URL+tc.path, tc.extra...)
			bare.stop()
			mock := benchMock(b, serverCPU)
			mockRPS := run(b, mock.URL+tc.path, tc.extra...)
			mock.stop()
			for b.Loop() { // the measurement is the fixed 3 s runs above
			}
			b.ReportMetric(bareRPS, "bare-req/s")
			b.ReportMetric(mockRPS, "mock-req/s")
			b.ReportMetric(mockRPS/bareRPS, "x-bare")
		})
	}
}
