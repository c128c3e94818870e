package mockserver_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestOptionMistakes: the Go API refuses what the command line refuses, with the same
// ConfigError and message.
func TestOptionMistakes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing", "state.json")
	cases := []struct {
		name string
		opt  mockserver.Option
		want string
	}{
		{"unknown feature", mockserver.WithFeature("certificate_based_clusterz", false), `unknown feature flag "certificate_based_clusterz": valid flags are certificate_based_clusters`},
		{"version before the API", mockserver.WithGitLabVersion("11.0"), "exists from 11.7"},
		{"unparseable version", mockserver.WithGitLabVersion("latest"), "want X.Y or X.Y.Z"},
		{"state dir missing", mockserver.WithStateFile(missing), "directory " + filepath.Dir(missing) + " does not exist"},
		{"no clusters allowed", mockserver.WithMaxClusters(0), "give a positive number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mockserver.New(tc.opt)
			var ce *mockserver.ConfigError
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := os.Stat(filepath.Dir(missing))
	assert.True(t, errors.Is(err, os.ErrNotExist), "nothing was created")
}

// TestNewerVersionsBehaveAsNewest: releases after the newest modelled one are real GitLab
// releases; they report their own version and behave as the newest modelled.
func TestNewerVersionsBehaveAsNewest(t *testing.T) {
	for _, v := range []string{"18.11", "19.0", "19.1.2", "99.1"} {
		t.Run(v, func(t *testing.T) {
			srv := mocktest.Start(t, mockserver.WithGitLabVersion(v))
			got := do(t, srv, request{method: "GET", path: "/api/v4/version", token: "developer-token"}).json(t)
			assert.Contains(t, got["version"], v)
			assert.JSONEq(t, `{"message":"404 Not Found"}`, string(do(t, srv, request{method: "GET", path: clusters, token: "developer-token"}).body),
				"the flag is off by default, as in 18.10")
			srv = mocktest.Start(t, mockserver.WithGitLabVersion(v), mockserver.WithFeature(mockserver.FeatureCertificateBasedClusters, true))
			assert.Equal(t, 200, do(t, srv, request{method: "GET", path: clusters, token: "developer-token"}).status)
		})
	}
}
