//go:build !race

package main

// buildFlags build the binary the tests start as the tests themselves are built.
var buildFlags []string
