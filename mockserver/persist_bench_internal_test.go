package mockserver

import (
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/glclusters/clustersapi/mockserver/internal/store"
)

// BenchmarkStateFileWrite is one rewrite of the state file (what --state does after every
// change) with a million clusters stored: "whole" renders the seed's JSON in memory first,
// "streamed" writes it a cluster at a time (state.writeSeedJSON). Run with -benchtime=1x.
func BenchmarkStateFileWrite(b *testing.B) {
	const n = 1_000_000
	s := DefaultSeed()
	s.NextClusterID = 0
	for i := range n {
		s.Clusters = append(s.Clusters, SeedCluster{ID: 20 + i, ProjectID: 1, Name: fmt.Sprintf("bench-%d", i),
			Enabled: true, ProviderType: "user", EnvironmentScope: fmt.Sprintf("bench-%d/*", i), UserID: 1,
			CreatedAt: "2019-01-02T20:18:12.563Z", Platform: SeedPlatform{APIURL: "https://kubernetes.example.com", Token: "bench-token"}})
	}
	s.WithDefaults()
	st, err := newState(s, "https://gitlab.example.com")
	if err != nil {
		b.Fatal(err)
	}
	s = nil
	path := filepath.Join(b.TempDir(), "state.json")
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := writeStateFile(path, st.seed().JSON()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("streamed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := store.WriteStateFile(path, st.writeSeedJSON); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writeStateFile is how the state file was written before it was streamed: the whole JSON
// document first, then the file.
func writeStateFile(path string, data []byte) error {
	return store.WriteStateFile(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
