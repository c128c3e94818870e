//go:build race

package main

// glmockBuildFlags build the glmock binary a test starts as the test itself is built: with
// -race it shares every compiled dependency with the test build.
var glmockBuildFlags = []string{"-race"}
