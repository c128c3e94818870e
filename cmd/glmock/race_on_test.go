//go:build race

package main

// buildFlags build the binary the tests start as the tests themselves are built: with -race,
// it shares every compiled dependency with the test build (make test compiles each once).
var buildFlags = []string{"-race"}
