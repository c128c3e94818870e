package main

import (
	"path/filepath"
	"testing"

	"github.com/glclusters/clustersapi/mockserver"
)

// TestSeedLoads: what benchseed writes is a seed glmock loads, with the clusters asked for.
func TestSeedLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := write(path, seed(500, 2)); err != nil {
		t.Fatal(err)
	}
	s, err := mockserver.LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mockserver.New(mockserver.WithSeed(s))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(srv.Export().Clusters), len(mockserver.DefaultSeed().Clusters)+500; got != want {
		t.Fatalf("%d clusters loaded, want %d", got, want)
	}
}
