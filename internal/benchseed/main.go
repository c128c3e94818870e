// Command benchseed writes glmock's default seed with many more clusters, for the benchmarks that load a large state (make bench-wrk's mock100k).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/glclusters/clustersapi/mockserver"
)

func main() {
	n := flag.Int("clusters", 100000, "clusters to add to the default seed's")
	project := flag.Int("project", 2, "the project that holds them (the default seed's 1 to 3)")
	out := flag.String("o", "", "output file (default stdout)")
	flag.Parse()
	if err := check(*n, *project); err != nil {
		fmt.Fprintln(os.Stderr, "benchseed:", err)
		os.Exit(2)
	}
	if err := write(*out, seed(*n, *project)); err != nil {
		fmt.Fprintln(os.Stderr, "benchseed:", err)
		os.Exit(1)
	}
}

// check refuses a negative count and a project the default seed does not have.
func check(n, project int) error {
	if n < 0 {
		return fmt.Errorf("-clusters %d: want 0 or more", n)
	}
	for _, p := range mockserver.DefaultSeed().Projects {
		if p.ID == project {
			return nil
		}
	}
	return fmt.Errorf("-project %d: the default seed has no such project", project)
}

// seed is the default seed with n clusters more in one project, each with its own scope.
func seed(n, project int) *mockserver.Seed {
	s := mockserver.DefaultSeed()
	s.NextClusterID = 0 // worked out from the clusters
	for i := range n {
		s.Clusters = append(s.Clusters, mockserver.SeedCluster{
			ID: 1000 + i, ProjectID: project, Name: fmt.Sprintf("bench-%d", i), Enabled: true, Managed: true,
			ProviderType: "user", EnvironmentScope: fmt.Sprintf("bench-%d/*", i), NamespacePerEnvironment: true,
			UserID: 1, CreatedAt: "2019-01-02T20:18:12.563Z",
			Platform: mockserver.SeedPlatform{APIURL: "https://kubernetes.example.com", Token: "bench-token", AuthorizationType: "rbac"},
		})
	}
	return s
}

func write(path string, s *mockserver.Seed) error {
	f := os.Stdout
	if path != "" {
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
		defer f.Close()
	}
	w := bufio.NewWriter(f)
	if _, err := w.Write(s.JSON()); err != nil {
		return err
	}
	return w.Flush()
}
