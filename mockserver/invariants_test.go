package mockserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestClusterIDsToTheirEnd (issue 18): a state loaded with the largest next_cluster_id
// GitLab's bigint allows hands out the ids left in order, then refuses a create with
// GitLab's 500 (its id sequence has run out too) and changes nothing; the list stays in id
// order, and the mock's own export loads again, through the control API and as a state file.
func TestClusterIDsToTheirEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, srv := mocktest.StartServer(t, mockserver.WithStateFile(path))
	seed := mockserver.DefaultSeed()
	seed.NextClusterID = math.MaxInt64 - 1
	got := do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(seed.JSON())})
	require.Equal(t, 204, got.status, string(got.body))

	create := func(scope string) response {
		return do(t, srv, request{method: "POST", path: "/api/v4/projects/1/clusters/user", token: "maintainer-token",
			body: `{"name":"last","environment_scope":"` + scope + `","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`})
	}
	got = create("last")
	require.Equal(t, 201, got.status, string(got.body))
	assert.Equal(t, json.Number(fmt.Sprint(int64(math.MaxInt64-1))), decodeNumbers[map[string]any](t, got.body)["id"])

	before := string(s.Export().JSON())
	got = create("one-more")
	assert.Equal(t, 500, got.status)
	assert.JSONEq(t, `{"message":"500 Internal Server Error"}`, string(got.body))
	assert.Equal(t, before, string(s.Export().JSON()), "nothing changed")
	onDisk, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, before, string(onDisk), "the state file holds what is stored")

	list := do(t, srv, request{method: "GET", path: "/api/v4/projects/1/clusters", token: "maintainer-token"})
	require.Equal(t, 200, list.status)
	var ids []json.Number
	for _, c := range decodeNumbers[[]map[string]any](t, list.body) {
		ids = append(ids, c["id"].(json.Number))
	}
	assert.Equal(t, []json.Number{"18", json.Number(fmt.Sprint(int64(math.MaxInt64 - 1)))}, ids, "in id order")

	export := do(t, srv, request{method: "GET", path: "/-/mock/state?secrets=true", token: "root-token"})
	require.Equal(t, 200, export.status)
	got = do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(export.body)})
	assert.Equal(t, 204, got.status, "the export loads again: %s", got.body)
	_, err = mockserver.New(mockserver.WithStateFile(path))
	assert.NoError(t, err, "the state file loads again at start")
}

// decodeNumbers decodes JSON with numbers kept exact: ids near 2^63 do not fit a float64.
func decodeNumbers[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&v), string(body))
	return v
}
