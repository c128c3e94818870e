package mockserver

import "testing"

// TestTrivialOperations pins which operations skip kin-openapi for a request without a query:
// only those whose every rule the router already enforces.
func TestTrivialOperations(t *testing.T) {
	ops, err := specOperations()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"getApiV4Version": true, "getApiV4User": true, "getApiV4ProjectsIdClusters": true,
		"getApiV4ProjectsIdClustersClusterId": false, "postApiV4ProjectsIdClustersUser": false,
		"putApiV4ProjectsIdClustersClusterId": false, "deleteApiV4ProjectsIdClustersClusterId": false,
	}
	for id, op := range ops {
		if op.trivial != want[id] {
			t.Errorf("%s: trivial %v, want %v", id, op.trivial, want[id])
		}
	}
}
