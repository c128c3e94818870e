package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// collidingSeed is the default seed with ids that collide numerically, as on a fresh GitLab
// where root, the first project and the first cluster all have id 1: cluster-1 is id 1 in the
// project demo (id 1) created by root (id 1), and the group cluster's creator has the id (5)
// of the first cluster a run creates.
func collidingSeed() *mockserver.Seed {
	s := mockserver.DefaultSeed()
	for i := range s.Clusters {
		s.Clusters[i].ID = 1 + i
		if s.Clusters[i].GroupID != 0 {
			s.Clusters[i].UserID = 5
		}
	}
	s.NextClusterID = 5
	return s
}

// TestCLINoFalseDrift: two runs of identical behaviour give no drift, however the target's
// ids collide: a value is a run variable only where the run put it, never because it is equal.
// Where behaviour does differ (12.10 cannot add a second cluster), only that is drift.
func TestCLINoFalseDrift(t *testing.T) {
	flagOn := mockserver.WithFeature("certificate_based_clusters", true)
	for _, tc := range []struct {
		name          string
		before, after []mockserver.Option // nil after: the same mock again
		code          int
		want, not     []string
	}{
		{"colliding ids, the same target twice", nil, nil, 0, []string{"no behavioural drift"}, nil},
		{"14.10, then 18.10 with the flag on", []mockserver.Option{mockserver.WithGitLabVersion("14.10")},
			[]mockserver.Option{mockserver.WithGitLabVersion("18.10"), flagOn}, 0, []string{"no behavioural drift"}, nil},
		{"14.10, then 12.10", []mockserver.Option{mockserver.WithGitLabVersion("14.10")},
			[]mockserver.Option{mockserver.WithGitLabVersion("12.10")}, 1,
			[]string{"[changed/status] write/create status: status 201 became 400"}, []string{"user.id", "${"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--token", "maintainer-token", "--project", "demo-group/demo", "--group", "platform", "--write"}
			base := filepath.Join(t.TempDir(), "before.json")
			before := mocktest.Start(t, append(tc.before, mockserver.WithSeed(collidingSeed()))...)
			r := glcontract(t, nil, append([]string{"check", "--url", before.URL, "--save-baseline", base}, args...)...)
			require.Equal(t, 0, r.code, r.stdout+r.stderr)
			after := before
			if tc.after != nil {
				after = mocktest.Start(t, append(tc.after, mockserver.WithSeed(collidingSeed()))...)
			}
			r = glcontract(t, nil, append([]string{"check", "--url", after.URL, "--baseline", base}, args...)...)
			require.Equal(t, tc.code, r.code, r.stdout+r.stderr)
			for _, s := range tc.want {
				require.Contains(t, r.stdout, s)
			}
			for _, s := range tc.not {
				require.NotContains(t, r.stdout, s)
			}
		})
	}
}
