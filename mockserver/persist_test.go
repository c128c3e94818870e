package mockserver_test

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

func TestStateFileSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv := mocktest.Start(t, mockserver.WithStateFile(path))
	_, err := os.Stat(path)
	require.NoError(t, err, "the state is written at start")
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("kept", "kept")}).status)
	require.Equal(t, 200, do(t, srv, request{method: "PUT", path: cluster18, token: "maintainer-token", body: `{"name":"renamed-18"}`}).status)
	require.Equal(t, 204, do(t, srv, request{method: "DELETE", path: "/api/v4/projects/2/clusters/19", token: "maintainer-token"}).status)
	srv.Close()

	again := mocktest.Start(t, mockserver.WithStateFile(path))
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

// breakStateFile makes every later write of the state file fail, as a full or read-only disk
// would, in a way that holds for root too: the path becomes a non-empty directory, which no
// rename can replace.
func breakStateFile(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.MkdirAll(filepath.Join(path, "in-the-way"), 0o755))
}

// TestStateChangesAllOrNothing: when the state file cannot be written, reset and load answer
// GitLab's 500 and change nothing in memory; the path and the OS error go to the log only.
func TestStateChangesAllOrNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	var logs syncBuffer
	s, srv := mocktest.StartServer(t, mockserver.WithStateFile(path), mockserver.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("kept", "kept")}).status)
	_, err := s.AddFault(mockserver.Fault{Path: "/api/v4/nowhere", Status: 503, Count: 5})
	require.NoError(t, err)
	withSecrets := do(t, srv, request{method: "GET", path: "/-/mock/state?secrets=true", token: "root-token"}).body
	before := string(s.Export().JSON())
	breakStateFile(t, path)
	doc := loadControlDoc(t)

	for _, rq := range []request{
		{method: "POST", path: "/-/mock/reset", token: "root-token"},
		{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(mockserver.DefaultSeed().JSON())},
		{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(withSecrets)},
	} {
		got := do(t, srv, rq)
		assert.Equal(t, 500, got.status, rq.method+" "+rq.path)
		assert.JSONEq(t, `{"message":"500 Internal Server Error"}`, string(got.body), "no path, no OS error")
		doc.check(t, rq.method, strings.TrimPrefix(rq.path, "/-/mock"), nil, got)
		assert.Equal(t, before, string(s.Export().JSON()), "memory unchanged")
	}
	assert.Len(t, s.Faults(), 1, "a failed reset keeps the faults")
	creates, err := s.Requests(mockserver.JournalFilter{Operation: "postApiV4ProjectsIdClustersUser"})
	require.NoError(t, err)
	assert.NotEmpty(t, creates, "and the journal")
	assert.Contains(t, logs.String(), `"msg":"state file not written"`)
	assert.Contains(t, logs.String(), path, "the log says which file")
	assert.Error(t, s.Reset(nil), "the Go API too")
	assert.Equal(t, before, string(s.Export().JSON()))

	// Once the disk is back, a reset goes through and is on disk.
	require.NoError(t, os.RemoveAll(path))
	assert.Equal(t, 204, do(t, srv, request{method: "POST", path: "/-/mock/reset", token: "root-token"}).status)
	saved, err := mockserver.LoadSeed(path)
	require.NoError(t, err)
	assert.Len(t, saved.Clusters, 4, "the seed's clusters, without kept")
}

// TestLoadRedactedExportRefused: an export without secrets does not load back (it would lock
// every token out, the admin's included); the error says how to export with secrets.
func TestLoadRedactedExportRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, srv := mocktest.StartServer(t, mockserver.WithStateFile(path))
	redacted := do(t, srv, request{method: "GET", path: "/-/mock/state", token: "root-token"})
	require.Equal(t, 200, redacted.status)
	before, _ := os.ReadFile(path)

	got := do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(redacted.body)})
	assert.Equal(t, 400, got.status)
	assert.Contains(t, string(got.body), "redacted placeholder")
	assert.Contains(t, string(got.body), "GET /-/mock/state?secrets=true")
	loadControlDoc(t).check(t, "PUT", "/state", nil, got)
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: "/-/mock/features", token: "root-token"}).status, "the admin is not locked out")
	after, _ := os.ReadFile(path)
	assert.Equal(t, string(before), string(after), "the state file is unchanged")

	seed, err := mockserver.ParseSeed(redacted.body)
	require.NoError(t, err)
	var se *mockserver.SeedError
	assert.True(t, errors.As(s.Reset(seed), &se), "the Go API refuses it too")

	// Only the cluster token redacted (access tokens edited back in by hand): still refused.
	seed = s.Export()
	seed.Clusters[0].Platform.Token = "[REDACTED]"
	assert.ErrorContains(t, s.Reset(seed), "clusters[0].platform_kubernetes.token")

	withSecrets := do(t, srv, request{method: "GET", path: "/-/mock/state?secrets=true", token: "root-token"})
	assert.Equal(t, 204, do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(withSecrets.body)}).status)
}

// TestStateFileSymlink: a --state path that is a symbolic link is written through to its
// target, which may not exist yet; the link stays a link.
func TestStateFileSymlink(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "volume"), 0o755))
	link := filepath.Join(dir, "state.json")
	require.NoError(t, os.Symlink(filepath.Join("volume", "real.json"), link)) // relative and dangling
	srv := mocktest.Start(t, mockserver.WithStateFile(link))
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("through", "through")}).status)

	fi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.True(t, fi.Mode()&os.ModeSymlink != 0, "still a link")
	real, err := mockserver.LoadSeed(filepath.Join(dir, "volume", "real.json"))
	require.NoError(t, err)
	assert.Equal(t, "through", real.Clusters[len(real.Clusters)-1].Name)
	srv.Close()

	again := mocktest.Start(t, mockserver.WithStateFile(link))
	assert.Len(t, do(t, again, request{method: "GET", path: clusters, token: "maintainer-token"}).list(t), 2, "read back through the link")
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
