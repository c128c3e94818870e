package mockserver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

const (
	instanceClusters   = "/api/v4/admin/clusters"
	instanceCluster17  = "/api/v4/admin/clusters/17"
	addInstanceCluster = "/api/v4/admin/clusters/add"
)

// TestInstanceClusterRules drives lib/api/admin/instance_clusters.rb's rules over HTTP
// (reference gitlab-cluster-family.md §0.2, §1A, §3, §4).
func TestInstanceClusterRules(t *testing.T) {
	runRules(t, []rulesCase{
		{"no token", request{method: "GET", path: instanceClusters}, 401, `{"message":"401 Unauthorized"}`},
		{"owner of everything else is not an admin", request{method: "GET", path: instanceClusters, token: "owner-token"}, 403, `{"message":"403 Forbidden"}`},
		{"read_api non-admin reads", request{method: "GET", path: instanceCluster17, token: "readonly-token"}, 403, `{"message":"403 Forbidden"}`},
		{"read_api non-admin writes", request{method: "POST", path: addInstanceCluster, token: "readonly-token", body: `{}`}, 403, `"error":"insufficient_scope"`},
		// authenticated_as_admin! runs in the before block, ahead of Grape's parameters.
		{"non-admin before params", request{method: "POST", path: addInstanceCluster, token: "maintainer-token", body: `{}`}, 403, `{"message":"403 Forbidden"}`},
		{"non-admin before the cluster lookup", request{method: "DELETE", path: "/api/v4/admin/clusters/9999", token: "maintainer-token"}, 403, `{"message":"403 Forbidden"}`},
		{"non-admin before cluster_id", request{method: "GET", path: "/api/v4/admin/clusters/abc", token: "maintainer-token"}, 403, `{"message":"403 Forbidden"}`},
		{"admin lists", request{method: "GET", path: instanceClusters, token: "root-token"}, 200, `"cluster_type":"instance_type"`},
		{"admin gets", request{method: "GET", path: instanceCluster17, token: "root-token"}, 200, `"name":"instance-cluster-1"`},
		{"params for the admin", request{method: "POST", path: addInstanceCluster, token: "root-token", body: `{"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`}, 400, `{"error":"name is missing"}`},
		{"cluster_id not an integer", request{method: "GET", path: "/api/v4/admin/clusters/abc", token: "root-token"}, 400, `{"error":"cluster_id is invalid"}`},
		{"add is not a cluster id", request{method: "PUT", path: addInstanceCluster, token: "root-token", body: `{}`}, 400, `{"error":"cluster_id is invalid"}`},
		{"user is not the add route", request{method: "POST", path: "/api/v4/admin/clusters/user", token: "root-token", body: validBody("u", "u")}, 404, `{"error":"404 Not Found"}`},
		{"unknown cluster", request{method: "GET", path: "/api/v4/admin/clusters/1337", token: "root-token"}, 404, `{"message":"404 Not found"}`},
		{"a project cluster", request{method: "GET", path: "/api/v4/admin/clusters/18", token: "root-token"}, 404, `{"message":"404 Not found"}`},
		{"a group cluster", request{method: "PUT", path: "/api/v4/admin/clusters/16", token: "root-token", body: `{"name":"x"}`}, 404, `{"message":"404 Not found"}`},
		{"a project cluster, delete", request{method: "DELETE", path: "/api/v4/admin/clusters/19", token: "root-token"}, 404, `{"message":"404 Not found"}`},
		{"duplicated scope at the instance", request{method: "POST", path: addInstanceCluster, token: "root-token", body: validBody("dup", "*")}, 400,
			`{"message":{"environment_scope":["cannot add duplicated environment scope"]}}`},
		{"a second scope", request{method: "POST", path: addInstanceCluster, token: "root-token", body: validBody("staging", "staging/*")}, 201, `"environment_scope":"staging/*"`},
		{"namespace on a managed instance cluster", request{method: "POST", path: addInstanceCluster, token: "root-token",
			body: `{"name":"ns","environment_scope":"ns","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","namespace":"apps"}}`}, 400,
			`{"message":{"platform_kubernetes.namespace":["only allowed for project cluster"]}}`},
		{"namespace on an unmanaged instance cluster", request{method: "POST", path: addInstanceCluster, token: "root-token",
			body: `{"name":"ns","environment_scope":"ns","managed":false,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","namespace":"apps"}}`}, 201, `"namespace":"apps"`},
		{"any project manages an instance cluster", request{method: "POST", path: addInstanceCluster, token: "root-token",
			body: `{"name":"mp","environment_scope":"mp","management_project_id":4,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`}, 201, `"path_with_namespace":"elsewhere/secret"`},
		{"a missing management project", request{method: "POST", path: addInstanceCluster, token: "root-token",
			body: `{"name":"mp","environment_scope":"mp","management_project_id":9999,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`}, 400,
			`{"message":{"management_project_id":["Project does not exist or you don't have permission to perform this action"]}}`},
		{"blocked api_url", request{method: "POST", path: addInstanceCluster, token: "root-token",
			body: `{"name":"u","environment_scope":"u","platform_kubernetes_attributes":{"api_url":"invalid_api_url","token":"t"}}`}, 400, `"platform_kubernetes.api_url":["is blocked: Only allowed schemes are http, https"]`},
		{"bad domain on edit", request{method: "PUT", path: instanceCluster17, token: "root-token", body: `{"domain":"invalid domain"}`}, 400,
			`{"message":{"domain":["contains invalid characters (valid characters: [a-z0-9\\-])"]}}`},
		{"edit answers with a null project", request{method: "PUT", path: instanceCluster17, token: "root-token", body: `{"name":"renamed"}`}, 200, `"management_project":null,"project":null}`},
		{"delete", request{method: "DELETE", path: instanceCluster17, token: "root-token"}, 204, ``},
	})
}

// TestInstanceClusterEntity checks Entities::Cluster at the instance, the list's pagination
// headers (no id in Link: the route has none), and that a delete removes the cluster.
func TestInstanceClusterEntity(t *testing.T) {
	srv := mocktest.Start(t)
	one := do(t, srv, request{method: "GET", path: instanceCluster17, token: "root-token"}).json(t)
	assert.NotContains(t, one, "project")
	assert.NotContains(t, one, "group")
	assert.Equal(t, "instance_type", one["cluster_type"])
	assert.Equal(t, map[string]any{"api_url": "https://104.197.68.155", "namespace": nil, "authorization_type": "rbac", "ca_cert": nil}, one["platform_kubernetes"])
	assert.Equal(t, "2019-01-02T20:18:12.563Z", one["created_at"])

	// No pagination parameters are declared on this route: per_page=0 is no 400 (glmock reads 20).
	zero := do(t, srv, request{method: "GET", path: instanceClusters + "?per_page=0", token: "root-token"})
	assert.Equal(t, 200, zero.status, string(zero.body))
	assert.Equal(t, "20", zero.header.Get("X-Per-Page"))

	got := do(t, srv, request{method: "GET", path: instanceClusters + "?per_page=1", token: "root-token"})
	require.Equal(t, 200, got.status)
	assert.Equal(t, []map[string]any{one}, got.list(t))
	assert.Equal(t, "1", got.header.Get("X-Total"))
	assert.Equal(t, `<`+srv.URL+`/api/v4/admin/clusters?page=1&per_page=1>; rel="first", <`+srv.URL+`/api/v4/admin/clusters?page=1&per_page=1>; rel="last"`, got.header.Get("Link"))

	add := do(t, srv, request{method: "POST", path: addInstanceCluster, token: "root-token", body: validBody("i2", "production")})
	require.Equal(t, 201, add.status, string(add.body))
	c := add.json(t)
	assert.EqualValues(t, 20, c["id"], "one id sequence for every cluster type")
	assert.NotContains(t, c, "project", "the add answers with Entities::Cluster")
	assert.NotContains(t, string(add.body), "secret-k8s-token")

	edit := do(t, srv, request{method: "PUT", path: "/api/v4/admin/clusters/20", token: "root-token", body: `{"name":"i2-renamed"}`}).json(t)
	require.Contains(t, edit, "project")
	assert.Nil(t, edit["project"], "the edit answers with Entities::ClusterProject, project null")
	assert.Equal(t, "i2-renamed", edit["name"])

	require.Equal(t, 204, do(t, srv, request{method: "DELETE", path: "/api/v4/admin/clusters/20", token: "root-token"}).status)
	assert.Equal(t, 404, do(t, srv, request{method: "GET", path: "/api/v4/admin/clusters/20", token: "root-token"}).status)
	// The instance cluster and the project clusters did not move.
	assert.Len(t, do(t, srv, request{method: "GET", path: instanceClusters, token: "root-token"}).list(t), 1)
	assert.Len(t, do(t, srv, request{method: "GET", path: clusters, token: "root-token"}).list(t), 1)
}

// TestInstanceClusterFeatureFlagOff: the admin check comes first, then 404 Not Found, even for
// a request whose parameters are wrong.
func TestInstanceClusterFeatureFlagOff(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithFeature(mockserver.FeatureCertificateBasedClusters, false))
	assertFlagOff(t, srv, "root-token", "root-token", instanceClusters, instanceCluster17, addInstanceCluster)
	assert.JSONEq(t, `{"message":"403 Forbidden"}`, string(do(t, srv, request{method: "GET", path: instanceClusters, token: "maintainer-token"}).body))
	assert.Equal(t, 401, do(t, srv, request{method: "GET", path: instanceClusters}).status)
}
