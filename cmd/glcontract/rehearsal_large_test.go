package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestCLIInventorySeedLarge: an inventory --all --seed of 10,000 clusters (from a glmock with
// a large seed) writes them all, and the seed loads again. -short skips it.
func TestCLIInventorySeedLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 clusters")
	}
	const projects, perProject = 100, 100
	s := &mockserver.Seed{
		Users:      []mockserver.SeedUser{{ID: 1, Username: "root", Name: "Administrator", Admin: true}},
		Tokens:     []mockserver.SeedToken{{Token: "large-root-secret", UserID: 1, Scopes: []string{"api"}}},
		Namespaces: []mockserver.SeedNamespace{{ID: 1, Name: "big", Path: "big", Kind: "group", Visibility: "private"}},
	}
	for p := 1; p <= projects; p++ {
		s.Projects = append(s.Projects, mockserver.SeedProject{ID: p, Name: fmt.Sprintf("p%d", p), Path: fmt.Sprintf("p%d", p),
			NamespaceID: 1, Visibility: "private", Members: []mockserver.SeedMember{}})
		for i := range perProject {
			id := (p-1)*perProject + i + 1
			s.Clusters = append(s.Clusters, mockserver.SeedCluster{ID: id, ProjectID: p, Name: fmt.Sprintf("c%d", id), Enabled: true,
				EnvironmentScope: fmt.Sprintf("env-%d", i), UserID: 1, CreatedAt: "2021-03-04T05:06:07.123Z",
				Platform: mockserver.SeedPlatform{APIURL: "https://k8s.example.com", Token: "large-k8s-secret"}})
		}
	}
	s.NextClusterID = projects*perProject + 1
	_, src := mocktest.StartServer(t, mockserver.WithSeed(s), mockserver.WithMaxClusters(projects*perProject))
	file := filepath.Join(t.TempDir(), "large.json")
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := glcontract(t, map[string]string{"GITLAB_URL": src.URL, "GITLAB_TOKEN": "large-root-secret"}, "inventory", "--all", "--seed", file)
	require.Equal(t, 1, res.code, res.stderr)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("heap in use after the run: %d MiB (before: %d MiB)", after.HeapInuse>>20, before.HeapInuse>>20)
	loaded, err := mockserver.LoadSeed(file)
	require.NoError(t, err)
	require.Len(t, loaded.Clusters, projects*perProject)
	require.Equal(t, projects*perProject+1, loaded.NextClusterID)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var meta struct {
		Metadata struct{ Unreadable []string } `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal(raw, &meta))
	require.Empty(t, meta.Metadata.Unreadable)
}
