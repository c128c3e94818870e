package mockserver_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// largeSeed is the default seed with project 1 holding n more clusters, each with a 1 kB CA
// certificate as real clusters have: a seed of tens of megabytes from a few tens of thousands.
func largeSeed(n int) *mockserver.Seed {
	s := mockserver.DefaultSeed()
	s.NextClusterID = 0
	ca := "-----BEGIN CERTIFICATE-----\n" + strings.Repeat(strings.Repeat("A", 64)+"\n", 16) + "-----END CERTIFICATE-----"
	for i := range n {
		s.Clusters = append(s.Clusters, mockserver.SeedCluster{
			ID: 1000 + i, ProjectID: 1, Name: fmt.Sprintf("large-%d", i), Enabled: true, ProviderType: "user",
			EnvironmentScope: fmt.Sprintf("large-%d/*", i), UserID: 3, CreatedAt: "2024-05-06T07:08:09.123Z",
			Platform: mockserver.SeedPlatform{APIURL: fmt.Sprintf("https://k%d.example.com", i), Token: fmt.Sprintf("token-%d", i), CACert: &ca},
		})
	}
	return s
}

// TestLoadStateAboveOldBound: PUT /-/mock/state takes a JSON seed beyond the 64 MiB it once
// refused (it is decoded as it arrives), and the mock then serves what it holds.
func TestLoadStateAboveOldBound(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 70 MB; skipped with -short")
	}
	const n = 60_000
	body := string(largeSeed(n).JSON())
	require.Greater(t, len(body), 64<<20, "the seed must be larger than the old bound")
	_, srv := mocktest.StartServer(t)
	got := do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: body})
	require.Equal(t, 204, got.status, string(got.body))
	body = ""

	list := do(t, srv, request{method: "GET", path: "/api/v4/projects/1/clusters?per_page=2&page=30000", token: "maintainer-token"})
	require.Equal(t, 200, list.status, string(list.body))
	assert.Equal(t, fmt.Sprint(n+1), list.header.Get("X-Total"), "cluster 18 and the loaded ones")
	items := list.list(t)
	require.Len(t, items, 2)
	assert.Equal(t, "large-59997", items[0]["name"])
	assert.Equal(t, "https://k59997.example.com", items[0]["platform_kubernetes"].(map[string]any)["api_url"])
	assert.Contains(t, items[1]["platform_kubernetes"].(map[string]any)["ca_cert"], "BEGIN CERTIFICATE")
}

// TestLoadStateBadStreamKeepsState: a seed that breaks off, is not JSON, is inconsistent, or
// is YAML over its bound gets a clear 400 or 413, and what was stored stays as it was.
func TestLoadStateBadStreamKeepsState(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	created := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("kept", "kept")})
	require.Equal(t, 201, created.status, string(created.body))
	before := string(s.Export().JSON())
	full := string(largeSeed(500).JSON())
	yaml := "users: []\n# " + strings.Repeat("x", 64<<20) + "\n"
	for _, tc := range []struct {
		name, body string
		status     int
		message    string
	}{
		{"cut in the clusters", full[:len(full)*2/3], 400, `{"message":"seed: json: clusters: [`},
		{"cut in the users", full[:40], 400, `{"message":"seed: json: users: `},
		{"not an object", `[1,2]`, 400, `{"message":"seed: yaml: `},
		{"clusters not an array", `{"clusters":{"id":1}}`, 400, `{"message":"seed: json: clusters: must be an array`},
		{"a cluster with a wrong type", `{"clusters":[{"id":"one"}]}`, 400, `{"message":"seed: json: clusters: [0]: json: cannot unmarshal string`},
		{"unknown key", `{"clusterz":[]}`, 400, `{"message":"seed: json: json: unknown field \"clusterz\""}`},
		{"unknown cluster key", `{"clusters":[{"id":1,"colour":"red"}]}`, 400, `{"message":"seed: json: clusters: [0]: json: unknown field \"colour\""}`},
		{"dangling reference", strings.Replace(full, `"project_id": 1,`, `"project_id": 999,`, 1), 400, `{"message":"seed: clusters[0].project_id: no project 999"}`},
		{"duplicate scope", strings.Replace(full, `"environment_scope": "large-1/*"`, `"environment_scope": "large-0/*"`, 1), 400, `{"message":"seed: clusters[5].environment_scope: duplicates`},
		{"YAML over 64 MiB", yaml, 413, `{"message":"seed too large (1024 MiB at most as JSON, 64 MiB as YAML)"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: tc.body})
			assert.Equal(t, tc.status, got.status, string(got.body))
			assert.True(t, strings.HasPrefix(string(got.body), tc.message), "got %s\nwant it to start %s", got.body, tc.message)
			assert.Equal(t, before, string(s.Export().JSON()), "nothing stored was changed")
		})
	}
}

// TestExportImportByteIdentical: an export (written as it is encoded) loads back through
// PUT /-/mock/state and exports again byte for byte, and is what Export's seed renders.
func TestExportImportByteIdentical(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	seed := largeSeed(2_000)
	html := "<dev> & <prod>"
	seed.Clusters[0].Domain = &html
	seed.Clusters[1].ProviderGCP = &mockserver.SeedProviderGCP{GCPProjectID: "p", Zone: "z", MachineType: "m", NumNodes: 3, StatusName: "created", Endpoint: "e"}
	require.Equal(t, 204, do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(seed.JSON())}).status)
	first := do(t, srv, request{method: "GET", path: "/-/mock/state?secrets=true", token: "root-token"})
	require.Equal(t, 200, first.status)
	assert.Equal(t, "application/json", first.header.Get("Content-Type"))
	assert.Equal(t, string(s.Export().JSON()), string(first.body))
	require.Equal(t, 204, do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(first.body)}).status)
	again := do(t, srv, request{method: "GET", path: "/-/mock/state?secrets=true", token: "root-token"})
	assert.Equal(t, string(first.body), string(again.body))
	redacted := do(t, srv, request{method: "GET", path: "/-/mock/state", token: "root-token"})
	assert.NotContains(t, string(redacted.body), "token-1999", "cluster tokens are redacted")
	assert.Contains(t, string(redacted.body), `"token": "[REDACTED]"`)
}
