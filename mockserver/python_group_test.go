package mockserver_test

// TestPythonGitlabGroupClusters drives group 12's clusters with python-gitlab's
// gl.groups.get(12).clusters (GroupClusterManager): create (POST …/clusters/user), list with
// pagination, list by group path, get, save, delete and GitLab's errors as the client's classes.

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

type pyGroupCluster struct {
	ID               int            `json:"id"`
	Name             string         `json:"name"`
	Enabled          bool           `json:"enabled"`
	Managed          bool           `json:"managed"`
	EnvironmentScope string         `json:"environment_scope"`
	ClusterType      string         `json:"cluster_type"`
	Domain           *string        `json:"domain"`
	Group            map[string]any `json:"group"`
	HasToken         bool           `json:"has_token"`
}

func TestPythonGitlabGroupClusters(t *testing.T) {
	srv := mocktest.Start(t)
	var s struct {
		Version       string         `json:"python_gitlab_version"`
		Fatal         string         `json:"fatal"`
		CreatedIDs    []int          `json:"created_ids"`
		Created       pyGroupCluster `json:"created"`
		ListAllIDs    []int          `json:"list_all_ids"`
		ListByPathIDs []int          `json:"list_by_path_ids"`
		Page2IDs      []int          `json:"page2_ids"`
		Iterator      struct {
			Total      int   `json:"total"`
			TotalPages int   `json:"total_pages"`
			PerPage    int   `json:"per_page"`
			IDs        []int `json:"ids"`
		} `json:"iterator"`
		Get            pyGroupCluster     `json:"get"`
		AfterSave      pyGroupCluster     `json:"after_save"`
		DeletedID      int                `json:"deleted_id"`
		GetDeleted     pyError            `json:"get_deleted"`
		AfterDeleteIDs []int              `json:"list_after_delete_ids"`
		Errors         map[string]pyError `json:"errors"`
	}
	runPyScript(t, "python_gitlab_group_check.py", srv.URL, "maintainer-token", &s)
	t.Logf("python-gitlab %s", s.Version)
	require.Empty(t, s.Fatal)

	require.Equal(t, []int{20, 21, 22, 23}, s.CreatedIDs)
	require.Equal(t, "py-group-0", s.Created.Name)
	require.Equal(t, "group_type", s.Created.ClusterType)
	require.Equal(t, map[string]any{"id": 12.0, "name": "Platform", "web_url": srv.URL + "/groups/platform"}, s.Created.Group)
	require.False(t, s.Created.HasToken, "the cluster token never comes back")

	all := []int{16, 20, 21, 22, 23}
	require.Equal(t, all, s.ListAllIDs)
	require.Equal(t, all, s.ListByPathIDs)
	require.Equal(t, 5, s.Iterator.Total)
	require.Equal(t, 3, s.Iterator.TotalPages)
	require.Equal(t, 2, s.Iterator.PerPage)
	require.Equal(t, all, s.Iterator.IDs, "the iterator follows the Link header over the 3 pages")
	require.Equal(t, []int{21, 22}, s.Page2IDs)

	require.Equal(t, "group-cluster-1", s.Get.Name)
	require.True(t, s.Get.Enabled && s.Get.Managed)
	require.Equal(t, "*", s.Get.EnvironmentScope)

	require.Equal(t, "py-group-renamed", s.AfterSave.Name)
	require.NotNil(t, s.AfterSave.Domain)
	require.Equal(t, "renamed.example.com", *s.AfterSave.Domain)

	require.Equal(t, 22, s.DeletedID)
	requirePyError(t, s.GetDeleted, "GitlabGetError", 404, `"404 Not found"`)
	require.False(t, slices.Contains(s.AfterDeleteIDs, 22))
	require.Len(t, s.AfterDeleteIDs, 4)

	requirePyError(t, s.Errors["project_cluster_through_group"], "GitlabGetError", 404, `"404 Not found"`)
	requirePyError(t, s.Errors["namespace_on_group_cluster"], "GitlabCreateError", 400, `only allowed for project cluster`)
	requirePyError(t, s.Errors["unknown_group"], "GitlabListError", 404, `"404 Group Not Found"`)
}

func requirePyError(t *testing.T, e pyError, class string, code int, msgPart string) {
	t.Helper()
	require.NotNil(t, e.Class, "no error: %s", e.Message)
	require.Equal(t, class, *e.Class, "%s", e.Message)
	require.NotNil(t, e.Code)
	require.Equal(t, code, *e.Code)
	require.Contains(t, string(e.Message), msgPart)
}
