package main

import (
	"path/filepath"
	"strings"
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

// TestCheckRefusesMistakes: a negative count or an unknown project is refused, naming the flag.
func TestCheckRefusesMistakes(t *testing.T) {
	for _, c := range []struct {
		n, project int
		want       string
	}{{-1, 2, "-clusters -1"}, {10, 99, "-project 99"}} {
		if err := check(c.n, c.project); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("check(%d, %d) = %v, want an error naming %q", c.n, c.project, err, c.want)
		}
	}
	if err := check(0, 2); err != nil {
		t.Errorf("check(0, 2) = %v", err)
	}
}
