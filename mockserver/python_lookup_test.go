package mockserver_test

// TestPythonGitlabLookupThenClusters drives python-gitlab's documented flow: gl.projects.get
// and gl.groups.get, by id and by full path (no lazy=True), then the clusters of the returned
// object: create, list, get, save and delete; and GitLab's 404s as the client's errors.

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

type pyFlow struct {
	CreatedID      int    `json:"created_id"`
	ListIDs        []int  `json:"list_ids"`
	SavedName      string `json:"saved_name"`
	AfterDeleteIDs []int  `json:"after_delete_ids"`
}

func TestPythonGitlabLookupThenClusters(t *testing.T) {
	srv := mocktest.Start(t)
	var s struct {
		Version  string `json:"python_gitlab_version"`
		Fatal    string `json:"fatal"`
		Projects map[string]struct {
			ID          int    `json:"id"`
			Path        string `json:"path_with_namespace"`
			WebURL      string `json:"web_url"`
			NamespaceID int    `json:"namespace_id"`
		} `json:"projects"`
		ProjectFlow pyFlow `json:"project_flow"`
		Groups      map[string]struct {
			ID       int    `json:"id"`
			FullPath string `json:"full_path"`
			WebURL   string `json:"web_url"`
		} `json:"groups"`
		GroupFlow       pyFlow             `json:"group_flow"`
		Errors          map[string]pyError `json:"errors"`
		AnonymousPublic int                `json:"anonymous_public_project"`
	}
	runPyScript(t, "python_gitlab_lookup_check.py", srv.URL, "maintainer-token", &s)
	t.Logf("python-gitlab %s", s.Version)
	require.Empty(t, s.Fatal)

	for _, ref := range []string{"1", "demo-group/demo"} {
		p := s.Projects[ref]
		require.Equal(t, 1, p.ID, ref)
		require.Equal(t, "demo-group/demo", p.Path, ref)
		require.Equal(t, srv.URL+"/demo-group/demo", p.WebURL, ref)
		require.Equal(t, 10, p.NamespaceID, ref)
	}
	require.Equal(t, 20, s.ProjectFlow.CreatedID)
	require.Equal(t, []int{18, 20}, s.ProjectFlow.ListIDs)
	require.Equal(t, "py-lookup-renamed", s.ProjectFlow.SavedName)
	require.Equal(t, []int{18}, s.ProjectFlow.AfterDeleteIDs)

	for _, ref := range []string{"12", "platform"} {
		g := s.Groups[ref]
		require.Equal(t, 12, g.ID, ref)
		require.Equal(t, "platform", g.FullPath, ref)
		require.Equal(t, srv.URL+"/groups/platform", g.WebURL, ref)
	}
	require.Equal(t, 21, s.GroupFlow.CreatedID)
	require.Equal(t, []int{16, 21}, s.GroupFlow.ListIDs)
	require.Equal(t, "py-group-lookup-renamed", s.GroupFlow.SavedName)
	require.Equal(t, []int{16}, s.GroupFlow.AfterDeleteIDs)

	requirePyError(t, s.Errors["missing project"], "GitlabGetError", 404, "404 Project Not Found")
	requirePyError(t, s.Errors["private project"], "GitlabGetError", 404, "404 Project Not Found")
	requirePyError(t, s.Errors["anonymous private project"], "GitlabGetError", 404, "404 Project Not Found")
	requirePyError(t, s.Errors["missing group"], "GitlabGetError", 404, "404 Group Not Found")
	require.Equal(t, 3, s.AnonymousPublic, "a public project without a token")
}
