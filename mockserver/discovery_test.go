package mockserver_test

import (
	"testing"

	"github.com/glclusters/clustersapi/mockserver"
)

const discover = "/api/v4/discover-cert-based-clusters"

// TestDiscovery drives lib/api/cluster_discovery.rb (reference gitlab-cluster-family.md §0.3,
// §1B): the worked examples of the reference on the default seed.
func TestDiscovery(t *testing.T) {
	platform := `{"groups":{"platform":[{"id":16,"name":"group-cluster-1"}]},"projects":{}}`
	empty := `{"groups":{},"projects":{}}`
	cases := []rulesCase{
		{"no token", request{method: "GET", path: discover + "?group_id=12"}, 401, `{"message":"401 Unauthorized"}`},
		{"group_id missing", request{method: "GET", path: discover, token: "maintainer-token"}, 400, `{"error":"group_id is missing"}`},
		{"group_id a path", request{method: "GET", path: discover + "?group_id=platform", token: "maintainer-token"}, 400, `{"error":"group_id is invalid"}`},
		{"missing group", request{method: "GET", path: discover + "?group_id=999", token: "root-token"}, 404, `{"message":"404 Group Not Found"}`},
		{"private group, non-member", request{method: "GET", path: discover + "?group_id=12", token: "outsider-token"}, 404, `{"message":"404 Group Not Found"}`},
		{"the group's own clusters for a guest", request{method: "GET", path: discover + "?group_id=12", token: "guest-token"}, 200, platform},
		{"the group's own clusters for the owner", request{method: "GET", path: discover + "?group_id=12", token: "owner-token"}, 200, platform},
		{"projects where the caller is a Maintainer", request{method: "GET", path: discover + "?group_id=10", token: "maintainer-token"}, 200,
			`{"groups":{},"projects":{"demo-group/demo":[{"id":18,"name":"cluster-1"}],"demo-group/other":[{"id":19,"name":"cluster-2"}]}}`},
		{"not where the caller is a Developer", request{method: "GET", path: discover + "?group_id=10", token: "developer-token"}, 200, empty},
		{"public group, non-member", request{method: "GET", path: discover + "?group_id=13", token: "outsider-token"}, 200, empty},
		{"read_api reads", request{method: "GET", path: discover + "?group_id=12", token: "readonly-token"}, 200, platform},
	}
	runRules(t, cases)
	// No feature flag check: the same answers with the flag off.
	runRules(t, cases[5:8], mockserver.WithFeature(mockserver.FeatureCertificateBasedClusters, false))
}

// TestDiscoveryHierarchy: subgroups and their projects count where the caller's membership,
// direct or inherited, is Maintainer or higher; the group itself always; an admin's status adds
// nothing (reference §1B; the admin case is the mock's reading of GroupsFinder and
// GroupProjectsFinder, which go by memberships).
func TestDiscoveryHierarchy(t *testing.T) {
	seed, err := mockserver.ParseSeed([]byte(`
users:
  - {id: 1, username: root, name: Administrator, admin: true}
  - {id: 2, username: lead, name: Lead}
  - {id: 3, username: dev, name: Dev}
  - {id: 4, username: sublead, name: Sub Lead}
tokens:
  - {token: root-token, user_id: 1, scopes: [api]}
  - {token: lead-token, user_id: 2, scopes: [api]}
  - {token: dev-token, user_id: 3, scopes: [api]}
  - {token: sublead-token, user_id: 4, scopes: [read_api]}
namespaces:
  - {id: 1, name: Top, path: top, members: [{user_id: 2, role: owner}, {user_id: 3, role: reporter}]}
  - {id: 2, name: Sub, path: sub, parent_id: 1, members: [{user_id: 4, role: maintainer}]}
  - {id: 3, name: Sub Two, path: sub2, parent_id: 1}
projects:
  - {id: 1, name: app, path: app, namespace_id: 2, visibility: private, members: [{user_id: 3, role: developer}]}
  - {id: 2, name: tool, path: tool, namespace_id: 3, visibility: private, members: []}
clusters:
  - {id: 1, cluster_type: group_type, group_id: 1, name: top-cluster, enabled: true, managed: true, environment_scope: "*",
     namespace_per_environment: true, user_id: 1, created_at: "2019-01-02T20:18:12.563Z", platform_kubernetes: {api_url: "https://k.example.com", token: t}}
  - {id: 2, cluster_type: group_type, group_id: 2, name: sub-cluster, enabled: false, managed: true, environment_scope: "*",
     namespace_per_environment: true, user_id: 1, created_at: "2019-01-02T20:18:12.563Z", platform_kubernetes: {api_url: "https://k.example.com", token: t}}
  - {id: 3, cluster_type: group_type, group_id: 3, name: sub2-cluster, enabled: true, managed: true, environment_scope: "*",
     namespace_per_environment: true, user_id: 1, created_at: "2019-01-02T20:18:12.563Z", platform_kubernetes: {api_url: "https://k.example.com", token: t}}
  - {id: 4, project_id: 1, name: app-a, enabled: true, managed: true, environment_scope: "a",
     namespace_per_environment: true, user_id: 1, created_at: "2019-01-02T20:18:12.563Z", platform_kubernetes: {api_url: "https://k.example.com", token: t}}
  - {id: 5, project_id: 1, name: app-b, enabled: true, managed: true, environment_scope: "b",
     namespace_per_environment: true, user_id: 1, created_at: "2019-01-02T20:18:12.563Z", platform_kubernetes: {api_url: "https://k.example.com", token: t}}
  - {id: 6, project_id: 2, name: tool-cluster, enabled: true, managed: true, environment_scope: "*",
     namespace_per_environment: true, user_id: 1, created_at: "2019-01-02T20:18:12.563Z", platform_kubernetes: {api_url: "https://k.example.com", token: t}}
  - {id: 7, cluster_type: instance_type, name: instance-cluster, enabled: true, managed: true, environment_scope: "*",
     namespace_per_environment: true, user_id: 1, created_at: "2019-01-02T20:18:12.563Z", platform_kubernetes: {api_url: "https://k.example.com", token: t}}
`))
	if err != nil {
		t.Fatal(err)
	}
	top := `{"top":[{"id":1,"name":"top-cluster"}]}`
	runRules(t, []rulesCase{
		{"the owner sees everything but the instance's", request{method: "GET", path: discover + "?group_id=1", token: "lead-token"}, 200,
			`{"groups":` + `{"top":[{"id":1,"name":"top-cluster"}],"top/sub":[{"id":2,"name":"sub-cluster"}],"top/sub2":[{"id":3,"name":"sub2-cluster"}]},` +
				`"projects":{"top/sub/app":[{"id":4,"name":"app-a"},{"id":5,"name":"app-b"}],"top/sub2/tool":[{"id":6,"name":"tool-cluster"}]}}`},
		{"a subgroup's Maintainer: that subgroup and its projects", request{method: "GET", path: discover + "?group_id=1", token: "sublead-token"}, 200,
			`{"groups":{"top":[{"id":1,"name":"top-cluster"}],"top/sub":[{"id":2,"name":"sub-cluster"}]},"projects":{"top/sub/app":[{"id":4,"name":"app-a"},{"id":5,"name":"app-b"}]}}`},
		{"a Reporter and Developer: the group itself", request{method: "GET", path: discover + "?group_id=1", token: "dev-token"}, 200, `{"groups":` + top + `,"projects":{}}`},
		{"an admin without memberships: the group itself", request{method: "GET", path: discover + "?group_id=1", token: "root-token"}, 200, `{"groups":` + top + `,"projects":{}}`},
		{"asked for a subgroup", request{method: "GET", path: discover + "?group_id=2", token: "lead-token"}, 200,
			`{"groups":{"top/sub":[{"id":2,"name":"sub-cluster"}]},"projects":{"top/sub/app":[{"id":4,"name":"app-a"},{"id":5,"name":"app-b"}]}}`},
	}, mockserver.WithSeed(seed))
}
