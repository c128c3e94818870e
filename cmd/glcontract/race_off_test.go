//go:build !race

package main

// glmockBuildFlags build the glmock binary a test starts as the test itself is built.
var glmockBuildFlags []string
