// Package specdoc is openapi.yaml as kin-openapi's document, built by generated Go code instead
// of parsed at every start (internal/specgen says why). openapi.yaml stays the source: after
// editing it run `make generate`; the tests fail while this package is stale.
package specdoc

//go:generate go run ./gen ../../openapi.yaml specdoc_gen.go
