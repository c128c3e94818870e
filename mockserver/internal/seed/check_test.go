package seed_test

import (
	"errors"
	"testing"

	"github.com/glclusters/clustersapi/mockserver/internal/seed"
)

// TestCheckOneClusterPerScope: an owner (a project, a group, the instance) has one cluster
// per environment scope, compared after the defaults are applied: a cluster_type left out is
// project_type (issue 18: such a cluster beside a project_type one with the same scope was
// accepted, and the state it made was refused at the next start).
func TestCheckOneClusterPerScope(t *testing.T) {
	cluster := func(id int, clusterType string, project, group int, scope string) seed.Cluster {
		return seed.Cluster{ID: id, ClusterType: clusterType, ProjectID: project, GroupID: group, Name: "c",
			EnvironmentScope: scope, UserID: 1, CreatedAt: "2024-01-01T00:00:00Z"}
	}
	const dup = "clusters[4].environment_scope"
	for _, tc := range []struct {
		name  string
		extra seed.Cluster // beside the default seed's 18 (project 1, "*", cluster_type left out), 19, 16 and 17
		where string       // the error's, or "" for none
	}{
		{"project_type beside a cluster_type left out", cluster(30, "project_type", 1, 0, "*"), dup},
		{"left out beside left out", cluster(30, "", 1, 0, "*"), dup},
		{"another scope", cluster(30, "project_type", 1, 0, "production"), ""},
		{"another project", cluster(30, "project_type", 3, 0, "*"), ""},
		{"group_type beside group_type", cluster(30, "group_type", 0, 12, "*"), dup},
		{"instance_type beside instance_type", cluster(30, "instance_type", 0, 0, "*"), dup},
		{"a group's scope is not its projects'", cluster(30, "group_type", 0, 13, "*"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := seed.Default()
			s.Clusters = append(s.Clusters, tc.extra)
			s.NextClusterID = 0
			s.WithDefaults()
			err := s.Check()
			if tc.where == "" {
				if err != nil {
					t.Fatalf("Check: %v, want none", err)
				}
				return
			}
			var se *seed.Error
			if !errors.As(err, &se) || se.Where != tc.where {
				t.Fatalf("Check: %v, want an error at %s", err, tc.where)
			}
		})
	}
}

// TestCheckDoesNotChangeTheSeed: Check compares cluster types after their default without
// filling it in; a seed exports as it was written.
func TestCheckDoesNotChangeTheSeed(t *testing.T) {
	s := seed.Default()
	before := string(s.JSON())
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if after := string(s.JSON()); after != before {
		t.Errorf("Check changed the seed:\n%s", after)
	}
}
