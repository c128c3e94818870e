package mockserver_test

// TestPythonGitlab drives the mock with python-gitlab (Debian's python3-gitlab, run with the
// system interpreter): testdata/python_gitlab_check.py lists, pages, gets, creates, saves and
// deletes clusters through gl.projects.get(1, lazy=True).clusters, provokes the client's error
// classes, and prints a JSON summary that this test checks.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glclusters/clustersapi/internal/testproc"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

const pyInterpreter = "/usr/bin/python3"

type pyCluster struct {
	ID                      int            `json:"id"`
	Name                    string         `json:"name"`
	Domain                  *string        `json:"domain"`
	Enabled                 bool           `json:"enabled"`
	Managed                 bool           `json:"managed"`
	EnvironmentScope        string         `json:"environment_scope"`
	ProviderType            string         `json:"provider_type"`
	PlatformType            string         `json:"platform_type"`
	ClusterType             string         `json:"cluster_type"`
	NamespacePerEnvironment bool           `json:"namespace_per_environment"`
	CreatedAt               string         `json:"created_at"`
	UserID                  int            `json:"user_id"`
	PlatformKubernetes      map[string]any `json:"platform_kubernetes"`
	ProjectID               int            `json:"project_id"`
	HasProject              bool           `json:"has_project"`
}

type pyError struct {
	Class   *string         `json:"class"`
	Code    *int            `json:"code"`
	Message json.RawMessage `json:"message"`
}

type pySummary struct {
	Version string `json:"python_gitlab_version"`
	Auth    struct {
		Username string   `json:"username"`
		WebURL   string   `json:"web_url"`
		Warnings []string `json:"warnings"`
	} `json:"auth"`
	Fatal          string    `json:"fatal"`
	Warnings       []string  `json:"warnings"`
	CreatedIDs     []int     `json:"created_ids"`
	Created        pyCluster `json:"created"`
	ListAllIDs     []int     `json:"list_all_ids"`
	ListByPathIDs  []int     `json:"list_by_path_ids"`
	EmptyList      []int     `json:"empty_list"`
	Page2IDs       []int     `json:"page2_ids"`
	ItemHasProject bool      `json:"list_item_has_project"`
	Iterator       struct {
		Total       int   `json:"total"`
		TotalPages  int   `json:"total_pages"`
		PerPage     int   `json:"per_page"`
		CurrentPage int   `json:"current_page"`
		NextPage    *int  `json:"next_page"`
		PrevPage    *int  `json:"prev_page"`
		IDs         []int `json:"ids"`
	} `json:"iterator"`
	Get            pyCluster          `json:"get"`
	AfterSaveLocal pyCluster          `json:"after_save_local"`
	AfterSave      pyCluster          `json:"after_save"`
	DeletedID      int                `json:"deleted_id"`
	GetDeleted     pyError            `json:"get_deleted"`
	AfterDeleteIDs []int              `json:"list_after_delete_ids"`
	Errors         map[string]pyError `json:"errors"`
}

// pySkipWithoutGitlab skips unless the system python3 can import python-gitlab (in CI, where
// .ci/run installs it, it fails instead).
func pySkipWithoutGitlab(t *testing.T) {
	t.Helper()
	if out, err := testproc.CommandTimeout(t, 10*time.Second, pyInterpreter, "-c", "import gitlab").CombinedOutput(); err != nil {
		testproc.NeedTool(t, "python-gitlab (Debian's python3-gitlab)",
			fmt.Errorf("%s -c \"import gitlab\": %v: %s", pyInterpreter, err, strings.TrimSpace(string(out))))
	}
}

// runPyScript runs a python-gitlab script from testdata against url as token and decodes
// the JSON summary it prints into summary.
func runPyScript(t *testing.T, script, url, token string, summary any) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Python subprocess; skipped with -short")
	}
	pySkipWithoutGitlab(t)
	cmd := testproc.CommandTimeout(t, 30*time.Second, pyInterpreter, "testdata/"+script, url, token)
	// Loopback only: keep any proxy settings of the environment away from the client.
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"PYTHONDONTWRITEBYTECODE=1", "PYTHONWARNINGS=default")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v (killed after 30s?)\nstderr:\n%s\nstdout:\n%s", script, err, stderr.String(), stdout.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), summary); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
}

func TestPythonGitlab(t *testing.T) {
	srv := mocktest.Start(t)
	var s pySummary
	runPyScript(t, "python_gitlab_check.py", srv.URL, "maintainer-token", &s)
	t.Logf("python-gitlab %s", s.Version)
	if s.Fatal != "" {
		t.Fatalf("python-gitlab raised unexpectedly:\n%s", s.Fatal)
	}
	// gl.auth(): GET /user. python-gitlab warns unless the user's web_url lies under the URL
	// it was given; the mock renders that web_url from the request's host.
	if s.Auth.Username != "maintainer" {
		t.Errorf("gl.auth(): user %q, want maintainer", s.Auth.Username)
	}
	if len(s.Auth.Warnings) > 0 {
		t.Errorf("gl.auth() warns, as GET /api/v4/user has web_url %q outside %s: %q",
			s.Auth.WebURL, srv.URL, s.Auth.Warnings)
	}
	if len(s.Warnings) > 0 {
		t.Errorf("python-gitlab warned (e.g. about the pagination base URL): %q", s.Warnings)
	}

	// create
	if len(s.CreatedIDs) != 7 {
		t.Fatalf("created %d clusters, want 7: %v", len(s.CreatedIDs), s.CreatedIDs)
	}
	for i, id := range s.CreatedIDs {
		if id < 20 || i > 0 && id <= s.CreatedIDs[i-1] {
			t.Errorf("created ids = %v, want strictly increasing ids from 20", s.CreatedIDs)
			break
		}
	}
	c := s.Created
	if c.ID != s.CreatedIDs[0] || c.Name != "py-0" || c.EnvironmentScope != "py-env-0/*" || c.Domain != nil ||
		!c.Enabled || !c.Managed || !c.NamespacePerEnvironment || c.ProviderType != "user" || c.PlatformType != "kubernetes" ||
		c.ClusterType != "project_type" || c.UserID != 3 || c.ProjectID != 1 || !c.HasProject {
		t.Errorf("created cluster = %+v", c)
	}
	if _, err := time.Parse(time.RFC3339, c.CreatedAt); err != nil {
		t.Errorf("created_at %q is not RFC 3339", c.CreatedAt)
	}
	if c.PlatformKubernetes["api_url"] != "https://kubernetes.example.com" || c.PlatformKubernetes["authorization_type"] != "rbac" {
		t.Errorf("created platform_kubernetes = %v", c.PlatformKubernetes)
	}
	if _, ok := c.PlatformKubernetes["token"]; ok {
		t.Errorf("platform_kubernetes exposes the token: %v", c.PlatformKubernetes)
	}

	// list
	all := append([]int{18}, s.CreatedIDs...)
	if !slices.Equal(s.ListAllIDs, all) {
		t.Errorf("list(get_all=True) ids = %v, want %v", s.ListAllIDs, all)
	}
	if !slices.Equal(s.ListByPathIDs, all) {
		t.Errorf("list by path ids = %v, want %v", s.ListByPathIDs, all)
	}
	if !slices.Equal(s.Iterator.IDs, all) {
		t.Errorf("list(iterator=True) ids = %v, want %v", s.Iterator.IDs, all)
	}
	it := s.Iterator
	if it.Total != 8 || it.TotalPages != 3 || it.PerPage != 3 || it.CurrentPage != 1 || it.NextPage == nil || *it.NextPage != 2 || it.PrevPage != nil {
		t.Errorf("iterator totals: total %d pages %d per_page %d current %d next %v prev %v; want 8 3 3 1 2 None",
			it.Total, it.TotalPages, it.PerPage, it.CurrentPage, it.NextPage, it.PrevPage)
	}
	if !slices.Equal(s.Page2IDs, all[3:6]) {
		t.Errorf("page 2 ids = %v, want %v", s.Page2IDs, all[3:6])
	}
	if s.ItemHasProject {
		t.Errorf("list items carry a project; GitLab's list uses Entities::Cluster")
	}
	if s.EmptyList == nil || len(s.EmptyList) != 0 {
		t.Errorf("project 3's list = %v, want []", s.EmptyList)
	}

	// get and save
	if s.Get.ID != s.CreatedIDs[1] || s.Get.Name != "py-1" {
		t.Errorf("get = %+v, want id %d name py-1", s.Get, s.CreatedIDs[1])
	}
	for name, got := range map[string]pyCluster{"after save (returned)": s.AfterSaveLocal, "after save (fetched)": s.AfterSave} {
		want := s.Get
		want.Name = "py-renamed"
		if got.ID != want.ID || got.Name != want.Name || got.EnvironmentScope != want.EnvironmentScope ||
			got.CreatedAt != want.CreatedAt || got.Enabled != want.Enabled || got.Managed != want.Managed ||
			got.UserID != want.UserID || !pySameMap(got.PlatformKubernetes, want.PlatformKubernetes) {
			t.Errorf("%s = %+v\nwant %+v", name, got, want)
		}
	}

	// delete
	if s.DeletedID != s.CreatedIDs[2] {
		t.Errorf("deleted id = %d, want %d", s.DeletedID, s.CreatedIDs[2])
	}
	pyWantError(t, "get after delete", s.GetDeleted, "GitlabGetError", 404, `"404 Not found"`)
	wantAfter := slices.DeleteFunc(slices.Clone(all), func(id int) bool { return id == s.DeletedID })
	if !slices.Equal(s.AfterDeleteIDs, wantAfter) {
		t.Errorf("list after delete = %v, want %v", s.AfterDeleteIDs, wantAfter)
	}

	// errors: class, status, and the message python-gitlab takes from "message", else "error"
	wantErrors := []struct {
		key, class string
		code       int
		msg        string
	}{
		{"get_missing", "GitlabGetError", 404, `"404 Not found"`},
		{"get_other_project", "GitlabGetError", 404, `"404 Not found"`},
		{"get_missing_project", "GitlabGetError", 404, `"404 Project Not Found"`},
		{"delete_missing", "GitlabDeleteError", 404, `"404 Not found"`},
		{"list_bad_token", "GitlabAuthenticationError", 401, `"401 Unauthorized"`},
		{"get_bad_token", "GitlabAuthenticationError", 401, `"401 Unauthorized"`},
		{"create_duplicate_scope", "GitlabCreateError", 400, `{"environment_scope":["cannot add duplicated environment scope"]}`},
		{"create_bad_namespace", "GitlabCreateError", 400, `{"platform_kubernetes.namespace":["can contain only lowercase letters, digits, and '-'. Must start with a letter, and cannot end with '-'"]}`},
		{"create_empty_api_url", "GitlabCreateError", 400, `"platform_kubernetes_attributes[api_url] is empty"`},
		{"create_developer", "GitlabCreateError", 403, `"403 Forbidden"`},
		{"save_blank_name", "GitlabUpdateError", 400, `{"name":["has to be present"]}`},
	}
	for _, w := range wantErrors {
		e, ok := s.Errors[w.key]
		if !ok {
			t.Errorf("%s: not in the summary", w.key)
			continue
		}
		pyWantError(t, w.key, e, w.class, w.code, w.msg)
	}
}

func pyWantError(t *testing.T, what string, e pyError, class string, code int, msgJSON string) {
	t.Helper()
	if e.Class == nil || *e.Class != class || e.Code == nil || *e.Code != code {
		t.Errorf("%s: got %s %s (%s), want %s %d", what, pyStr(e.Class), pyInt(e.Code), e.Message, class, code)
		return
	}
	var got, want any
	if err := json.Unmarshal(e.Message, &got); err != nil {
		t.Errorf("%s: message %s: %v", what, e.Message, err)
		return
	}
	if err := json.Unmarshal([]byte(msgJSON), &want); err != nil {
		t.Fatalf("%s: bad expectation %s: %v", what, msgJSON, err)
	}
	g, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(g, wj) {
		t.Errorf("%s: message %s, want %s", what, g, wj)
	}
}

func pySameMap(a, b map[string]any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func pyStr(p *string) string {
	if p == nil {
		return "<none>"
	}
	return *p
}

func pyInt(p *int) string {
	if p == nil {
		return "<none>"
	}
	b, _ := json.Marshal(*p)
	return string(b)
}
