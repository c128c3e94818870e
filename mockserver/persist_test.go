package mockserver_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
)

func TestStateFileSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv := mockserver.Start(t, mockserver.WithStateFile(path))
	_, err := os.Stat(path)
	require.NoError(t, err, "the state is written at start")
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("kept", "kept")}).status)
	require.Equal(t, 200, do(t, srv, request{method: "PUT", path: cluster18, token: "maintainer-token", body: `{"name":"renamed-18"}`}).status)
	require.Equal(t, 204, do(t, srv, request{method: "DELETE", path: "/api/v4/projects/2/clusters/19", token: "maintainer-token"}).status)
	srv.Close()

	again := mockserver.Start(t, mockserver.WithStateFile(path))
	list := do(t, again, request{method: "GET", path: clusters, token: "maintainer-token"}).list(t)
	require.Len(t, list, 2)
	assert.Equal(t, "renamed-18", list[0]["name"])
	assert.Equal(t, "kept", list[1]["name"])
	assert.Equal(t, 404, do(t, again, request{method: "GET", path: "/api/v4/projects/2/clusters/19", token: "maintainer-token"}).status)
	assert.EqualValues(t, 21, do(t, again, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("n", "n")}).json(t)["id"])
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary files left behind")
}

func TestCorruptStateFileStopsStart(t *testing.T) {
	for name, content := range map[string]string{
		"torn JSON":      `{"users": [`,
		"inconsistent":   `{"users":[],"tokens":[],"namespaces":[],"projects":[],"clusters":[{"id":1,"project_id":9}]}`,
		"unknown fields": `{"userz":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			_, err := mockserver.New(mockserver.WithStateFile(path))
			var sfe *mockserver.StateFileError
			require.True(t, errors.As(err, &sfe), "%v", err)
			assert.Contains(t, err.Error(), "left untouched")
			after, _ := os.ReadFile(path)
			assert.Equal(t, content, string(after), "the file is left as it was")
		})
	}
}

func TestStateFileUnwritable(t *testing.T) {
	_, err := mockserver.New(mockserver.WithStateFile(filepath.Join(t.TempDir(), "missing-dir", "state.json")))
	assert.Error(t, err)
}
