package mockserver

// The operationIds of openapi.yaml, for JournalFilter.Operation and Fault.Operation.
const (
	OpVersion       = "getApiV4Version"
	OpUser          = "getApiV4User"
	OpListClusters  = "getApiV4ProjectsIdClusters"
	OpGetCluster    = "getApiV4ProjectsIdClustersClusterId"
	OpCreateCluster = "postApiV4ProjectsIdClustersUser"
	OpUpdateCluster = "putApiV4ProjectsIdClustersClusterId"
	OpDeleteCluster = "deleteApiV4ProjectsIdClustersClusterId"
)
