package mockserver_test

import (
	"errors"
	"net/http"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestClientGoLooksUpThenListsClusters: go-gitlab's documented flow, GetProject and GetGroup
// by path (the client escapes '/' and '.'), then the cluster services with the numeric id of
// the answer; every field the client decodes has its type, and a missing project is
// ErrNotFound.
func TestClientGoLooksUpThenListsClusters(t *testing.T) {
	srv := mocktest.Start(t)
	c := cgClient(t, srv.URL, "maintainer-token")
	p, _, err := c.Projects.GetProject("demo-group/demo", nil)
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	if p.ID != 1 || p.Namespace == nil || p.Namespace.ID != 10 || p.PathWithNamespace != "demo-group/demo" ||
		p.Permissions == nil || p.Permissions.ProjectAccess == nil || p.Permissions.ProjectAccess.AccessLevel != gitlab.MaintainerPermissions {
		t.Fatalf("GetProject: %+v", p)
	}
	clusters, _, err := c.ProjectCluster.ListClusters(p.ID)
	if err != nil || len(clusters) != 1 || clusters[0].ID != 18 {
		t.Fatalf("ListClusters(%d): %v %v", p.ID, clusters, err)
	}
	g, _, err := c.Groups.GetGroup("platform", nil)
	if err != nil || g.ID != 12 || g.FullPath != "platform" || len(g.Projects) != 1 {
		t.Fatalf("GetGroup: %+v %v", g, err)
	}
	gc, _, err := c.GroupCluster.ListClusters(g.ID)
	if err != nil || len(gc) != 1 || gc[0].ID != 16 {
		t.Fatalf("group ListClusters(%d): %v %v", g.ID, gc, err)
	}
	// Anonymous, as a Terraform data source without a token would read a public project.
	anon := cgClient(t, srv.URL, "")
	pub, _, err := anon.Projects.GetProject("demo-group/public", nil)
	if err != nil || pub.ID != 3 || pub.Namespace == nil {
		t.Fatalf("anonymous GetProject: %+v %v", pub, err)
	}
	// The push rule: Community Edition's 404, which the Terraform provider tolerates.
	_, resp, err := c.Projects.GetProjectPushRules(p.ID)
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GetProjectPushRules: %v", err)
	}
	_, resp, err = c.Projects.GetProject("demo-group/nope", nil) // client-go turns a 404 into ErrNotFound
	if !errors.Is(err, gitlab.ErrNotFound) || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("missing project: %v", err)
	}
}
