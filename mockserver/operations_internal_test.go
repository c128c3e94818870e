package mockserver

import "testing"

// TestOperationConstants: every Op constant names an operation of openapi.yaml, and every
// operation has one.
func TestOperationConstants(t *testing.T) {
	ops, err := specOperations()
	if err != nil {
		t.Fatal(err)
	}
	consts := []string{OpVersion, OpUser, OpListClusters, OpGetCluster, OpCreateCluster, OpUpdateCluster, OpDeleteCluster,
		OpListGroupClusters, OpGetGroupCluster, OpCreateGroupCluster, OpUpdateGroupCluster, OpDeleteGroupCluster,
		OpListInstanceClusters, OpGetInstanceCluster, OpAddInstanceCluster, OpUpdateInstanceCluster, OpDeleteInstanceCluster,
		OpDiscoverClusters, OpGetProject, OpListProjects, OpGetGroup, OpListGroups, OpListGroupProjects, OpListSubgroups,
		OpGetNamespace, OpListProjectMembers, OpListGroupMembers, OpGetUserByID, OpPushRule}
	for _, id := range consts {
		if ops[id] == nil {
			t.Errorf("%s is not an operationId of openapi.yaml", id)
		}
	}
	if len(ops) != len(consts) {
		t.Errorf("openapi.yaml has %d operations, %d constants", len(ops), len(consts))
	}
}

// TestTrivialOperations pins which operations skip kin-openapi's parameter validation for a
// request without a query: only those whose every parameter rule the router already enforces.
// Their bodies are still validated (TestBodyValidationMatchesKin).
func TestTrivialOperations(t *testing.T) {
	ops, err := specOperations()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"getApiV4Version": true, "getApiV4User": true, "getApiV4ProjectsIdClusters": true,
		"getApiV4ProjectsIdClustersClusterId": false, "postApiV4ProjectsIdClustersUser": true,
		"putApiV4ProjectsIdClustersClusterId": false, "deleteApiV4ProjectsIdClustersClusterId": false,
		OpListGroupClusters: true, OpGetGroupCluster: false, OpCreateGroupCluster: true, OpUpdateGroupCluster: false, OpDeleteGroupCluster: false,
		OpListInstanceClusters: true, OpGetInstanceCluster: false, OpAddInstanceCluster: true, OpUpdateInstanceCluster: false,
		OpDeleteInstanceCluster: false, OpDiscoverClusters: false,
		// The read routes: only optional query parameters and a string {id}, but /users/{id},
		// an integer.
		OpGetProject: true, OpListProjects: true, OpGetGroup: true, OpListGroups: true, OpListGroupProjects: true,
		OpListSubgroups: true, OpGetNamespace: true, OpListProjectMembers: true, OpListGroupMembers: true,
		OpGetUserByID: false, OpPushRule: true,
	}
	for id, op := range ops {
		if op.trivial != want[id] {
			t.Errorf("%s: trivial %v, want %v", id, op.trivial, want[id])
		}
	}
}
