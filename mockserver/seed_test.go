package mockserver_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

func TestDefaultSeedIsTheDocumentedOne(t *testing.T) {
	s := mockserver.DefaultSeed()
	tokens := map[string]int{}
	for _, tok := range s.Tokens {
		tokens[tok.Token] = tok.UserID
	}
	assert.Equal(t, map[string]int{"root-token": 1, "owner-token": 2, "maintainer-token": 3, "developer-token": 4,
		"reporter-token": 5, "guest-token": 6, "outsider-token": 7, "readonly-token": 3}, tokens)
	require.Len(t, s.Clusters, 2)
	assert.Equal(t, 18, s.Clusters[0].ID)
	assert.Equal(t, 19, s.Clusters[1].ID)
	assert.Equal(t, 20, s.NextClusterID)
}

func TestLoadSeedYAML(t *testing.T) {
	seed, err := mockserver.LoadSeed(filepath.Join("..", "fixtures", "seed", "small.yaml"))
	require.NoError(t, err)
	srv := mocktest.Start(t, mockserver.WithSeed(seed))
	got := do(t, srv, request{method: "POST", path: "/api/v4/projects/platform%2Finfra/clusters/user", token: "ops-token", body: validBody("first", "*")})
	require.Equal(t, 201, got.status, string(got.body))
	assert.EqualValues(t, 1, got.json(t)["id"])
	assert.Equal(t, 401, do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).status, "the default tokens are gone")
}

func TestExportLoadsAgain(t *testing.T) {
	fixedURL := mockserver.WithExternalURL("https://gitlab.example.com")
	s, srv := mocktest.StartServer(t, fixedURL)
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token",
		body: `{"name":"e","environment_scope":"e","domain":"e.example.com","management_project_id":2,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","namespace":"ns"}}`}).status)
	path := filepath.Join(t.TempDir(), "export.json")
	require.NoError(t, os.WriteFile(path, s.Export().JSON(), 0o600))
	loaded, err := mockserver.LoadSeed(path)
	require.NoError(t, err)
	again := mocktest.Start(t, mockserver.WithSeed(loaded), fixedURL)
	for _, p := range []string{cluster18, "/api/v4/projects/1/clusters/20"} {
		a := do(t, srv, request{method: "GET", path: p, token: "maintainer-token"})
		b := do(t, again, request{method: "GET", path: p, token: "maintainer-token"})
		assert.JSONEq(t, string(a.body), string(b.body), p)
	}
}

func TestSeedErrors(t *testing.T) {
	cases := map[string]string{
		`{"users":[{"id":1,"username":"a"},{"id":1,"username":"b"}]}`:                                                                        "users[1].id",
		`{"users":[{"id":1,"username":"a"}],"tokens":[{"token":"t","user_id":2,"scopes":["api"]}]}`:                                          "tokens[0].user_id",
		`{"users":[{"id":1,"username":"a"}],"tokens":[{"token":"t","user_id":1,"scopes":["admin"]}]}`:                                        "tokens[0].scopes",
		`{"namespaces":[{"id":1,"name":"a","path":"a/b"}]}`:                                                                                  "namespaces[0].path",
		`{"namespaces":[{"id":1,"name":"a","path":"a"}],"projects":[{"id":1,"name":"p","path":"p","namespace_id":1,"visibility":"secret"}]}`: "projects[0].visibility",
		`{"clusters":[{"id":1,"project_id":1}]}`:                                                                                             "clusters[0].project_id",
		"users: [":                                                                                                                           "yaml",
	}
	for raw, where := range cases {
		_, err := mockserver.ParseSeed([]byte(raw))
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), where)
	}
}
