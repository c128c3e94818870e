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
