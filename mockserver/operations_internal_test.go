package mockserver

import "testing"

// TestOperationConstants: every Op constant names an operation of openapi.yaml, and every
// operation has one.
func TestOperationConstants(t *testing.T) {
	ops, err := specOperations()
	if err != nil {
		t.Fatal(err)
	}
	consts := []string{OpVersion, OpUser, OpListClusters, OpGetCluster, OpCreateCluster, OpUpdateCluster, OpDeleteCluster}
	for _, id := range consts {
		if ops[id] == nil {
			t.Errorf("%s is not an operationId of openapi.yaml", id)
		}
	}
	if len(ops) != len(consts) {
		t.Errorf("openapi.yaml has %d operations, %d constants", len(ops), len(consts))
	}
}
