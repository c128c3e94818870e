// Package edgedoc is internal/specdoc/testdata/edge.yaml as Go code: the generator's output for
// what openapi.yaml does not use yet (callbacks, cycles, extensions, mixed examples), checked by
// internal/specdoc's tests like the real spec.
package edgedoc

//go:generate go run ../../gen ../../testdata/edge.yaml edgedoc_gen.go
