package contract_test

import (
	"testing"

	"github.com/glclusters/clustersapi/contract"
)

// BenchmarkWriteSuiteAgainstMock is the whole suite, with --write, against the in-process mock:
// the figure behind "under 2 seconds".
func BenchmarkWriteSuiteAgainstMock(b *testing.B) {
	srv := startMock(b)
	if err := contract.LoadDefaultSpec(); err != nil { // built once per process, as in the CLI
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep := runSuite(b, srv.URL)
		if rep.Result != contract.ResultPass {
			b.Fatalf("result %s: %v", rep.Result, rep.Findings)
		}
	}
}

// BenchmarkReadSuiteAgainstMock is the read-only suite against the in-process mock.
func BenchmarkReadSuiteAgainstMock(b *testing.B) {
	srv := startMock(b)
	b.ReportAllocs()
	for b.Loop() {
		runSuite(b, srv.URL, func(c *contract.Config) { c.Write = false })
	}
}

// BenchmarkWriteSuiteAllScopesAgainstMock is the whole suite, with --write, for a project, a
// group and the instance at once (--project 1 --group 12 --instance).
func BenchmarkWriteSuiteAllScopesAgainstMock(b *testing.B) {
	srv := startMock(b)
	if err := contract.LoadDefaultSpec(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep := runSuite(b, srv.URL, func(c *contract.Config) { c.Group, c.Instance = seedGroupID, true })
		if rep.Result != contract.ResultPass {
			b.Fatalf("result %s: %v", rep.Result, rep.Findings)
		}
	}
}
