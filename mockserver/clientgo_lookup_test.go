package mockserver_test

// TestClientGoLookupThenClusters: the way go-gitlab users reach clusters, as client-go's docs
// show it: resolve the project or group first (Projects.GetProject, Groups.GetGroup, by id or
// by full path), then drive the cluster services with the id the lookup returned.

import (
	"errors"
	"net/http"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

func TestClientGoLookupThenClusters(t *testing.T) {
	srv := mocktest.Start(t)
	c := cgClient(t, srv.URL, "maintainer-token")

	for _, ref := range []any{1, "demo-group/demo", "Demo-Group/DEMO"} {
		p, resp, err := c.Projects.GetProject(ref, nil)
		if err != nil || cgStatus(resp) != http.StatusOK {
			t.Fatalf("GetProject(%v): %v (%d)", ref, err, cgStatus(resp))
		}
		if p.ID != 1 || p.PathWithNamespace != "demo-group/demo" || p.Namespace == nil || p.Namespace.ID != 10 {
			t.Fatalf("GetProject(%v) = id %d, path %q, namespace %+v", ref, p.ID, p.PathWithNamespace, p.Namespace)
		}
		if p.WebURL != srv.URL+"/demo-group/demo" {
			t.Errorf("web_url %q", p.WebURL)
		}
		if p.Permissions == nil || p.Permissions.ProjectAccess == nil || p.Permissions.ProjectAccess.AccessLevel != gitlab.MaintainerPermissions {
			t.Errorf("GetProject(%v).Permissions = %+v, want the maintainer's project access", ref, p.Permissions)
		}
	}

	p, _, err := c.Projects.GetProject("demo-group/demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	created, _, err := c.ProjectCluster.AddCluster(p.ID, cgAddOptions("lookup-1", "lookup/*"))
	if err != nil {
		t.Fatalf("AddCluster(%d): %v", p.ID, err)
	}
	list, _, err := c.ProjectCluster.ListClusters(p.ID)
	if err != nil || len(list) != 2 || list[1].ID != created.ID {
		t.Fatalf("ListClusters(%d) = %d clusters, %v", p.ID, len(list), err)
	}
	edited, _, err := c.ProjectCluster.EditCluster(p.ID, created.ID, &gitlab.EditClusterOptions{Name: gitlab.Ptr("lookup-renamed")})
	if err != nil || edited.Name != "lookup-renamed" {
		t.Fatalf("EditCluster: %v", err)
	}
	if _, err := c.ProjectCluster.DeleteCluster(p.ID, created.ID); err != nil {
		t.Fatalf("DeleteCluster: %v", err)
	}

	for _, ref := range []any{12, "platform", "PLATFORM"} {
		g, resp, err := c.Groups.GetGroup(ref, nil)
		if err != nil || cgStatus(resp) != http.StatusOK {
			t.Fatalf("GetGroup(%v): %v (%d)", ref, err, cgStatus(resp))
		}
		if g.ID != 12 || g.FullPath != "platform" || g.WebURL != srv.URL+"/groups/platform" {
			t.Fatalf("GetGroup(%v) = id %d, full path %q, web_url %q", ref, g.ID, g.FullPath, g.WebURL)
		}
	}
	g, _, err := c.Groups.GetGroup("platform", nil)
	if err != nil {
		t.Fatal(err)
	}
	gc, _, err := c.GroupCluster.AddCluster(g.ID, &gitlab.AddGroupClusterOptions{
		Name: gitlab.Ptr("lookup-group"), EnvironmentScope: gitlab.Ptr("lookup/*"),
		PlatformKubernetes: &gitlab.AddGroupPlatformKubernetesOptions{APIURL: gitlab.Ptr(cgPublicAPIURL), Token: gitlab.Ptr("t")},
	})
	if err != nil {
		t.Fatalf("GroupCluster.AddCluster(%d): %v", g.ID, err)
	}
	got, _, err := c.GroupCluster.GetCluster(g.ID, gc.ID)
	if err != nil || got.Group == nil || got.Group.ID != 12 {
		t.Fatalf("GroupCluster.GetCluster: %+v, %v", got, err)
	}
	if _, err := c.GroupCluster.DeleteCluster(g.ID, gc.ID); err != nil {
		t.Fatalf("GroupCluster.DeleteCluster: %v", err)
	}

	// GitLab's 404s, as the client reports them (client-go turns every 404 into ErrNotFound).
	outsider := cgClient(t, srv.URL, "outsider-token")
	for name, call := range map[string]func() (*gitlab.Response, error){
		"missing project": func() (*gitlab.Response, error) {
			_, r, err := c.Projects.GetProject("demo-group/nope", nil)
			return r, err
		},
		"private project": func() (*gitlab.Response, error) { _, r, err := outsider.Projects.GetProject(1, nil); return r, err },
		"missing group":   func() (*gitlab.Response, error) { _, r, err := c.Groups.GetGroup("nope", nil); return r, err },
		"private group": func() (*gitlab.Response, error) {
			_, r, err := outsider.Groups.GetGroup("platform", nil)
			return r, err
		},
		"unencoded full path": func() (*gitlab.Response, error) { _, r, err := c.Groups.GetGroup("platform/nope", nil); return r, err },
	} {
		resp, err := call()
		if !errors.Is(err, gitlab.ErrNotFound) || cgStatus(resp) != http.StatusNotFound {
			t.Errorf("%s: %v (%d), want GitLab's 404", name, err, cgStatus(resp))
		}
	}
}
