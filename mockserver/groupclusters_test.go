package mockserver_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

const (
	groupClusters   = "/api/v4/groups/12/clusters"
	groupCluster16  = "/api/v4/groups/12/clusters/16"
	addGroupCluster = "/api/v4/groups/12/clusters/user"
)

// rulesCase is one request and GitLab's exact answer: wantBody is exact JSON when it starts
// with '{' or '[', else a substring.
type rulesCase struct {
	name       string
	req        request
	wantStatus int
	wantBody   string
}

// runRules sends each case to a fresh mock (opts) and checks the answer.
func runRules(t *testing.T, cases []rulesCase, opts ...mockserver.Option) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mocktest.Start(t, opts...)
			got := do(t, srv, tc.req)
			assert.Equal(t, tc.wantStatus, got.status, string(got.body))
			if strings.HasPrefix(tc.wantBody, "{") || strings.HasPrefix(tc.wantBody, "[") {
				assert.JSONEq(t, tc.wantBody, string(got.body))
			} else {
				assert.Contains(t, string(got.body), tc.wantBody)
			}
			if got.status != 204 {
				assert.Equal(t, []string{"application/json"}, got.header.Values("Content-Type"))
			} else {
				assert.Empty(t, got.body)
			}
		})
	}
}

// TestGroupClusterRules drives lib/api/group_clusters.rb's rules over HTTP (reference
// gitlab-cluster-family.md §0.1, §1, §3, §4).
func TestGroupClusterRules(t *testing.T) {
	runRules(t, []rulesCase{
		// Authentication and the group lookup.
		{"no token", request{method: "GET", path: groupClusters}, 401, `{"message":"401 Unauthorized"}`},
		{"private group, non-member", request{method: "GET", path: groupClusters, token: "outsider-token"}, 404, `{"message":"404 Group Not Found"}`},
		{"missing group", request{method: "GET", path: "/api/v4/groups/999/clusters", token: "root-token"}, 404, `{"message":"404 Group Not Found"}`},
		{"a project id is not a group", request{method: "GET", path: "/api/v4/groups/1/clusters", token: "root-token"}, 404, `{"message":"404 Group Not Found"}`},
		{"group by path", request{method: "GET", path: "/api/v4/groups/platform/clusters", token: "maintainer-token"}, 200, `"id":16`},
		{"group by path, any case", request{method: "GET", path: "/api/v4/groups/Platform/clusters/16", token: "developer-token"}, 200, `"group":{"id":12,"web_url":"`},
		{"public group, non-member", request{method: "GET", path: "/api/v4/groups/open-group/clusters", token: "outsider-token"}, 403, `{"message":"403 Forbidden"}`},
		{"public group, maintainer", request{method: "GET", path: "/api/v4/groups/13/clusters", token: "maintainer-token"}, 200, `[]`},
		{"project member reads the group, no group role", request{method: "GET", path: "/api/v4/groups/demo-group/clusters", token: "maintainer-token"}, 403, `{"message":"403 Forbidden"}`},
		{"a public project makes its group readable", request{method: "GET", path: "/api/v4/groups/10/clusters", token: "outsider-token"}, 403, `{"message":"403 Forbidden"}`},
		{"a username is not a group", request{method: "GET", path: "/api/v4/groups/root/clusters", token: "root-token"}, 404, `{"message":"404 Group Not Found"}`},
		{"group without visible projects", request{method: "GET", path: "/api/v4/groups/elsewhere/clusters", token: "outsider-token"}, 404, `{"message":"404 Group Not Found"}`},
		// Roles (§4).
		{"guest lists", request{method: "GET", path: groupClusters, token: "guest-token"}, 403, `{"message":"403 Forbidden"}`},
		{"reporter lists", request{method: "GET", path: groupClusters, token: "reporter-token"}, 403, `{"message":"403 Forbidden"}`},
		{"developer lists", request{method: "GET", path: groupClusters, token: "developer-token"}, 200, `"cluster_type":"group_type"`},
		{"reporter gets", request{method: "GET", path: groupCluster16, token: "reporter-token"}, 403, `{"message":"403 Forbidden"}`},
		{"developer adds", request{method: "POST", path: addGroupCluster, token: "developer-token", body: validBody("d", "dev/*")}, 403, `{"message":"403 Forbidden"}`},
		{"developer edits", request{method: "PUT", path: groupCluster16, token: "developer-token", body: `{"name":"x"}`}, 403, `{"message":"403 Forbidden"}`},
		{"developer deletes", request{method: "DELETE", path: groupCluster16, token: "developer-token"}, 403, `{"message":"403 Forbidden"}`},
		{"maintainer adds", request{method: "POST", path: addGroupCluster, token: "maintainer-token", body: validBody("m", "staging/*")}, 201, `"group":{"id":12,`},
		{"owner edits", request{method: "PUT", path: groupCluster16, token: "owner-token", body: `{"enabled":false}`}, 200, `"enabled":false`},
		{"admin deletes", request{method: "DELETE", path: groupCluster16, token: "root-token"}, 204, ``},
		{"read_api may read", request{method: "GET", path: groupCluster16, token: "readonly-token"}, 200, `"id":16`},
		{"read_api may not write", request{method: "POST", path: addGroupCluster, token: "readonly-token", body: validBody("r", "r")}, 403, `"error":"insufficient_scope"`},
		// Precedence (§0.1).
		{"params before role", request{method: "POST", path: addGroupCluster, token: "developer-token", body: `{}`}, 400,
			`{"error":"name is missing, platform_kubernetes_attributes is missing, platform_kubernetes_attributes[api_url] is missing, platform_kubernetes_attributes[token] is missing"}`},
		{"cluster lookup before role", request{method: "GET", path: "/api/v4/groups/12/clusters/9999", token: "reporter-token"}, 404, `{"message":"404 Not found"}`},
		{"a project cluster is not the group's", request{method: "GET", path: "/api/v4/groups/12/clusters/18", token: "root-token"}, 404, `{"message":"404 Not found"}`},
		{"the instance cluster is not the group's", request{method: "PUT", path: "/api/v4/groups/12/clusters/17", token: "root-token", body: `{"name":"x"}`}, 404, `{"message":"404 Not found"}`},
		{"cluster_id not an integer", request{method: "GET", path: "/api/v4/groups/12/clusters/abc", token: "maintainer-token"}, 400, `{"error":"cluster_id is invalid"}`},
		{"group before params", request{method: "GET", path: "/api/v4/groups/999/clusters/abc", token: "maintainer-token"}, 404, `{"message":"404 Group Not Found"}`},
		{"per_page 0", request{method: "GET", path: groupClusters + "?per_page=0", token: "maintainer-token"}, 400, `{"error":"per_page has a value not allowed"}`},
		// Validations that differ by cluster type (§3).
		{"duplicated scope in the group", request{method: "POST", path: addGroupCluster, token: "maintainer-token", body: validBody("dup", "*")}, 400,
			`{"message":{"environment_scope":["cannot add duplicated environment scope"]}}`},
		{"namespace on a managed group cluster", request{method: "POST", path: addGroupCluster, token: "maintainer-token",
			body: `{"name":"ns","environment_scope":"ns","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","namespace":"team-a"}}`}, 400,
			`{"message":{"platform_kubernetes.namespace":["only allowed for project cluster"]}}`},
		{"namespace format error first", request{method: "POST", path: addGroupCluster, token: "maintainer-token",
			body: `{"name":"ns","environment_scope":"ns","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","namespace":"-bad"}}`}, 400,
			`{"message":{"platform_kubernetes.namespace":["can contain only lowercase letters, digits, and '-'. Must start with a letter, and cannot end with '-'","only allowed for project cluster"]}}`},
		{"namespace on an unmanaged group cluster", request{method: "POST", path: addGroupCluster, token: "maintainer-token",
			body: `{"name":"ns","environment_scope":"ns","managed":false,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","namespace":"Team-A"}}`}, 201,
			`"namespace":"team-a"`},
		{"managing a cluster with a namespace", request{method: "PUT", path: groupCluster16, token: "maintainer-token",
			body: `{"platform_kubernetes_attributes":{"namespace":"team-a"}}`}, 400, `{"message":{"platform_kubernetes.namespace":["only allowed for project cluster"]}}`},
		{"management project in the group", request{method: "POST", path: addGroupCluster, token: "maintainer-token",
			body: `{"name":"mp","environment_scope":"mp","management_project_id":5,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`}, 201,
			`"management_project":{"id":5,"description":"","name":"cluster-management","name_with_namespace":"Platform / cluster-management","path":"cluster-management","path_with_namespace":"platform/cluster-management"`},
		{"management project outside the group", request{method: "POST", path: addGroupCluster, token: "maintainer-token",
			body: `{"name":"mp","environment_scope":"mp","management_project_id":1,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`}, 400,
			`{"message":{"management_project_id":["Project does not exist or you don't have permission to perform this action"]}}`},
		{"management project on edit", request{method: "PUT", path: groupCluster16, token: "maintainer-token", body: `{"management_project_id":2}`}, 400,
			`{"message":{"management_project_id":["Project does not exist or you don't have permission to perform this action"]}}`},
		{"blocked api_url", request{method: "POST", path: addGroupCluster, token: "maintainer-token",
			body: `{"name":"u","environment_scope":"u","platform_kubernetes_attributes":{"api_url":"invalid_api_url","token":"t"}}`}, 400,
			`{"message":{"platform_kubernetes.api_url":["is blocked: Only allowed schemes are http, https"]}}`},
		{"bad domain on edit", request{method: "PUT", path: groupCluster16, token: "maintainer-token", body: `{"domain":"invalid domain"}`}, 400,
			`{"message":{"domain":["contains invalid characters (valid characters: [a-z0-9\\-])"]}}`},
	})
}

// TestGroupClusterEntity checks Entities::ClusterGroup and the list's Entities::Cluster for the
// seed's group cluster 16.
func TestGroupClusterEntity(t *testing.T) {
	srv := mocktest.Start(t)
	one := do(t, srv, request{method: "GET", path: groupCluster16, token: "developer-token"}).json(t)
	assert.Equal(t, map[string]any{"id": float64(12), "web_url": srv.URL + "/groups/platform", "name": "Platform"}, one["group"])
	assert.Equal(t, "group-cluster-1", one["name"])
	assert.Equal(t, "group_type", one["cluster_type"])
	assert.Equal(t, "example.com", one["domain"])
	assert.Equal(t, "2019-01-02T20:18:12.563Z", one["created_at"])
	assert.Equal(t, map[string]any{"api_url": "https://104.197.68.154", "namespace": nil, "authorization_type": "rbac", "ca_cert": nil}, one["platform_kubernetes"])
	assert.Equal(t, "root", one["user"].(map[string]any)["username"])
	assert.NotContains(t, one, "project")

	got := do(t, srv, request{method: "GET", path: groupClusters, token: "developer-token"})
	list := got.list(t)
	require.Len(t, list, 1, "only the group's own clusters")
	assert.NotContains(t, list[0], "group", "list items have no group")
	delete(one, "group")
	assert.Equal(t, one, list[0])
	assert.Equal(t, "1", got.header.Get("X-Total"))
	assert.Contains(t, got.header.Get("Link"), "/api/v4/groups/12/clusters?id=12&page=1&per_page=20>")
	byPath := do(t, srv, request{method: "GET", path: "/api/v4/groups/platform/clusters?per_page=1&page=1", token: "developer-token"})
	assert.Equal(t, `<`+srv.URL+`/api/v4/groups/platform/clusters?id=platform&page=1&per_page=1>; rel="first", <`+srv.URL+`/api/v4/groups/platform/clusters?id=platform&page=1&per_page=1>; rel="last"`,
		byPath.header.Get("Link"), "the id as the request named the group")
	assert.Equal(t, []string{"1", "1", "", "", "1", "1"}, []string{byPath.header.Get("X-Page"), byPath.header.Get("X-Per-Page"),
		byPath.header.Get("X-Next-Page"), byPath.header.Get("X-Prev-Page"), byPath.header.Get("X-Total"), byPath.header.Get("X-Total-Pages")})

	// The token is stored, never shown; a new cluster's id comes from the one sequence.
	add := do(t, srv, request{method: "POST", path: "/api/v4/groups/platform/clusters/user", token: "owner-token", body: validBody("g2", "prod/*")})
	require.Equal(t, 201, add.status, string(add.body))
	assert.EqualValues(t, 20, add.json(t)["id"])
	assert.NotContains(t, string(add.body), "secret-k8s-token")
	assert.Equal(t, "owner", add.json(t)["user"].(map[string]any)["username"])
	// Deleted, it is gone.
	require.Equal(t, 204, do(t, srv, request{method: "DELETE", path: "/api/v4/groups/12/clusters/20", token: "maintainer-token"}).status)
	assert.Equal(t, 404, do(t, srv, request{method: "GET", path: "/api/v4/groups/12/clusters/20", token: "maintainer-token"}).status)
}

// TestGroupClusterFeatureFlagOff: every group endpoint answers 404 Not Found after
// authentication and the group lookup.
func TestGroupClusterFeatureFlagOff(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithFeature(mockserver.FeatureCertificateBasedClusters, false))
	assertFlagOff(t, srv, "developer-token", "maintainer-token", groupClusters, groupCluster16, addGroupCluster)
	assert.Equal(t, 401, do(t, srv, request{method: "GET", path: groupClusters}).status)
	assert.JSONEq(t, `{"message":"404 Group Not Found"}`, string(do(t, srv, request{method: "GET", path: groupClusters, token: "outsider-token"}).body))
}

// assertFlagOff sends the five requests of a clusters API to a mock with the flag off: each
// answers 404 Not Found.
func assertFlagOff(t *testing.T, srv *httptest.Server, reader, writer, list, one, add string) {
	t.Helper()
	for _, rq := range []request{
		{method: "GET", path: list, token: reader},
		{method: "GET", path: one, token: reader},
		{method: "POST", path: add, token: writer, body: `{}`},
		{method: "PUT", path: one, token: writer, body: `{}`},
		{method: "DELETE", path: one, token: writer},
	} {
		got := do(t, srv, rq)
		assert.Equal(t, 404, got.status, rq.method+" "+rq.path)
		assert.JSONEq(t, `{"message":"404 Not Found"}`, string(got.body))
	}
}

// TestInheritedMembership: a group role reaches the group's subgroups and their projects; a
// user's access to a project is the highest of its project role and any ancestor group role.
func TestInheritedMembership(t *testing.T) {
	seed, err := mockserver.ParseSeed([]byte(`
users:
  - {id: 1, username: root, name: Administrator, admin: true}
  - {id: 2, username: lead, name: Lead}
  - {id: 3, username: dev, name: Dev}
tokens:
  - {token: root-token, user_id: 1, scopes: [api]}
  - {token: lead-token, user_id: 2, scopes: [api]}
  - {token: dev-token, user_id: 3, scopes: [api]}
namespaces:
  - {id: 1, name: Top, path: top, members: [{user_id: 2, role: maintainer}, {user_id: 3, role: reporter}]}
  - {id: 2, name: Sub, path: sub, parent_id: 1}
  - {id: 3, name: lead, path: lead, kind: user}
projects:
  - {id: 1, name: app, path: app, namespace_id: 2, visibility: private, members: [{user_id: 3, role: developer}]}
clusters:
  - {id: 1, cluster_type: group_type, group_id: 2, name: sub-cluster, enabled: true, managed: true, environment_scope: "*",
     namespace_per_environment: true, user_id: 1, created_at: "2019-01-02T20:18:12.563Z",
     platform_kubernetes: {api_url: "https://k.example.com", token: t}}
`))
	require.NoError(t, err)
	srv := mocktest.Start(t, mockserver.WithSeed(seed))
	for _, userNS := range []string{"/api/v4/groups/lead/clusters", "/api/v4/groups/3/clusters"} {
		assert.JSONEq(t, `{"message":"404 Group Not Found"}`, string(do(t, srv, request{method: "GET", path: userNS, token: "root-token"}).body),
			"a user namespace is not a group")
	}
	sub := "/api/v4/groups/top%2Fsub/clusters"
	got := do(t, srv, request{method: "GET", path: sub + "/1", token: "lead-token"})
	require.Equal(t, 200, got.status, "the parent group's Maintainer reads the subgroup's clusters: %s", got.body)
	assert.Equal(t, srv.URL+"/groups/top/sub", got.json(t)["group"].(map[string]any)["web_url"])
	assert.Equal(t, 403, do(t, srv, request{method: "GET", path: sub, token: "dev-token"}).status, "a Reporter inherited is still a Reporter")
	// The project in the subgroup: the lead's inherited Maintainer role lets them add a cluster,
	// the dev's own Developer role beats their inherited Reporter one.
	add := do(t, srv, request{method: "POST", path: "/api/v4/projects/top%2Fsub%2Fapp/clusters/user", token: "lead-token", body: validBody("p", "*")})
	require.Equal(t, 201, add.status, string(add.body))
	assert.Equal(t, "top/sub/app", add.json(t)["project"].(map[string]any)["path_with_namespace"])
	assert.Equal(t, "Top / Sub / app", add.json(t)["project"].(map[string]any)["name_with_namespace"])
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: "/api/v4/projects/1/clusters", token: "dev-token"}).status)
	assert.Equal(t, 403, do(t, srv, request{method: "DELETE", path: "/api/v4/projects/1/clusters/2", token: "dev-token"}).status)
	// A management project in a subgroup is in the top group's scope.
	mp := do(t, srv, request{method: "POST", path: "/api/v4/groups/top/clusters/user", token: "lead-token",
		body: `{"name":"top","management_project_id":1,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`})
	assert.Equal(t, 201, mp.status, string(mp.body))
}

// TestSeedProjectFiveInheritsGroupTwelve: project 5 has no members of its own; group 12's are
// its members.
func TestSeedProjectFiveInheritsGroupTwelve(t *testing.T) {
	runRules(t, []rulesCase{
		{"developer of the group lists", request{method: "GET", path: "/api/v4/projects/platform%2Fcluster-management/clusters", token: "developer-token"}, 200, `[]`},
		{"guest of the group lists", request{method: "GET", path: "/api/v4/projects/5/clusters", token: "guest-token"}, 403, `{"message":"403 Forbidden"}`},
		{"outsider", request{method: "GET", path: "/api/v4/projects/5/clusters", token: "outsider-token"}, 404, `{"message":"404 Project Not Found"}`},
		{"maintainer of the group adds", request{method: "POST", path: "/api/v4/projects/5/clusters/user", token: "maintainer-token", body: validBody("p5", "*")}, 201, `"path_with_namespace":"platform/cluster-management"`},
	})
}
