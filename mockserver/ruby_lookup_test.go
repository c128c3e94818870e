package mockserver_test

// TestRubyGitlabLookupThenClusters drives the Ruby gem (Debian's ruby-gitlab) as its docs
// show: Gitlab.client, project and group by id and by full path, then the project's clusters
// with the id the lookup returned, and GitLab's 404s as the gem's Gitlab::Error::NotFound.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

func TestRubyGitlabLookupThenClusters(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Ruby subprocess; skipped with -short")
	}
	ruby, err := exec.LookPath("ruby")
	if err == nil {
		if out, lerr := testproc.CommandTimeout(t, 20*time.Second, ruby, "-e", `require "gitlab"`).CombinedOutput(); lerr != nil {
			err = fmt.Errorf("require \"gitlab\": %v: %s", lerr, strings.TrimSpace(string(out)))
		}
	}
	if err != nil {
		testproc.NeedTool(t, "the Ruby gem gitlab (Debian's ruby-gitlab)", err)
	}
	srv := mocktest.Start(t)
	cmd := testproc.CommandTimeout(t, 60*time.Second, ruby, "testdata/ruby_gitlab_lookup_check.rb", srv.URL, "maintainer-token")
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stderr:\n%s", stderr.String())
	var s struct {
		Version  string `json:"gem_version"`
		Fatal    string `json:"fatal"`
		Projects map[string]struct {
			ID     int    `json:"id"`
			Path   string `json:"path_with_namespace"`
			WebURL string `json:"web_url"`
		} `json:"projects"`
		Groups map[string]struct {
			ID       int    `json:"id"`
			FullPath string `json:"full_path"`
			WebURL   string `json:"web_url"`
		} `json:"groups"`
		ListIDs        []int  `json:"list_ids"`
		SavedName      string `json:"saved_name"`
		AfterDeleteIDs []int  `json:"after_delete_ids"`
		Errors         map[string]struct {
			Class string `json:"class"`
			Code  int    `json:"code"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &s), "%s\nstderr:\n%s", stdout.String(), stderr.String())
	t.Logf("ruby-gitlab %s", s.Version)
	require.Empty(t, s.Fatal)
	for _, ref := range []string{"1", "demo-group/demo"} {
		require.Equal(t, 1, s.Projects[ref].ID, ref)
		require.Equal(t, "demo-group/demo", s.Projects[ref].Path, ref)
		require.Equal(t, srv.URL+"/demo-group/demo", s.Projects[ref].WebURL, ref)
	}
	for _, ref := range []string{"12", "platform"} {
		require.Equal(t, 12, s.Groups[ref].ID, ref)
		require.Equal(t, "platform", s.Groups[ref].FullPath, ref)
	}
	require.Equal(t, []int{18, 20}, s.ListIDs)
	require.Equal(t, "rb-renamed", s.SavedName)
	require.Equal(t, []int{18}, s.AfterDeleteIDs)
	for _, name := range []string{"missing project", "missing group", "private project"} {
		require.Equal(t, "Gitlab::Error::NotFound", s.Errors[name].Class, name)
		require.Equal(t, 404, s.Errors[name].Code, name)
	}
}
