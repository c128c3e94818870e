package mockserver_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestClusterCap: a create beyond --max-clusters gets GitLab's plan-limit answer and stores
// nothing; a delete makes room again.
func TestClusterCap(t *testing.T) {
	s, srv := mocktest.StartServer(t, mockserver.WithMaxClusters(5)) // the default seed holds 4
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("c3", "c3")}).status)
	before := string(s.Export().JSON())
	got := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("c4", "c4")})
	assert.Equal(t, 400, got.status)
	assert.JSONEq(t, `{"message":{"base":["Maximum number of clusters (5) exceeded"]}}`, string(got.body))
	assert.Equal(t, before, string(s.Export().JSON()), "nothing stored")
	require.Equal(t, 204, do(t, srv, request{method: "DELETE", path: cluster18, token: "maintainer-token"}).status)
	assert.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("c4", "c4")}).status)

	small, err := mockserver.New(mockserver.WithMaxClusters(1))
	require.NoError(t, err, "seeds are the operator's, not capped")
	assert.Len(t, small.Export().Clusters, 4)
}

// TestFaultCap: at most MaxFaults faults are active; one more is refused, by HTTP and Go.
func TestFaultCap(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	for i := 0; i < mockserver.MaxFaults; i++ {
		_, err := s.AddFault(mockserver.Fault{Path: fmt.Sprintf("/api/v4/f%d", i), Status: 503, Count: 1})
		require.NoError(t, err)
	}
	_, err := s.AddFault(mockserver.Fault{Status: 503, Count: 1})
	assert.ErrorContains(t, err, "at most 100 faults may be active")
	got := do(t, srv, request{method: "POST", path: "/-/mock/faults", token: "root-token", body: `{"status":503,"count":1}`})
	assert.Equal(t, 400, got.status)
	assert.JSONEq(t, `{"message":"fault: at most 100 faults may be active; delete some first"}`, string(got.body))
	loadControlDoc(t).check(t, "POST", "/faults", nil, got)
	assert.Len(t, s.Faults(), mockserver.MaxFaults)
}
