package mockserver_test

// GitLab's Go client drives the group and instance clusters endpoints: services GroupCluster
// and InstanceCluster of gitlab.com/gitlab-org/api/client-go.

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// cgGroupAddOptions is a valid group create request.
func cgGroupAddOptions(name, scope string) *gitlab.AddGroupClusterOptions {
	return &gitlab.AddGroupClusterOptions{
		Name:             gitlab.Ptr(name),
		EnvironmentScope: gitlab.Ptr(scope),
		PlatformKubernetes: &gitlab.AddGroupPlatformKubernetesOptions{
			APIURL: gitlab.Ptr(cgPublicAPIURL),
			Token:  gitlab.Ptr("sample-token"),
		},
	}
}

func TestClientGoGroupClusterCRUD(t *testing.T) {
	for _, gid := range []any{12, "platform"} {
		t.Run(fmt.Sprint(gid), func(t *testing.T) {
			srv := mocktest.Start(t)
			c := cgClient(t, srv.URL, "maintainer-token")

			// The management project id travels as a string: Grape coerces it.
			opt := cgGroupAddOptions("cg-group", "staging/*")
			opt.Domain = gitlab.Ptr("apps.example.org")
			opt.ManagementProjectID = gitlab.Ptr("5")
			added, resp, err := c.GroupCluster.AddCluster(gid, opt)
			if err != nil || cgStatus(resp) != http.StatusCreated {
				t.Fatalf("AddCluster: %v (status %d)", err, cgStatus(resp))
			}
			if added.ID != 20 || added.Name != "cg-group" || added.ClusterType != "group_type" || added.Domain != "apps.example.org" ||
				!added.Enabled || !added.Managed || added.EnvironmentScope != "staging/*" || added.CreatedAt == nil {
				t.Errorf("added = %+v", added)
			}
			if added.Group == nil || added.Group.ID != 12 || added.Group.Name != "Platform" || added.Group.WebURL != srv.URL+"/groups/platform" {
				t.Errorf("added.Group = %+v, want group 12 Platform", added.Group)
			}
			if added.ManagementProject == nil || added.ManagementProject.ID != 5 || added.ManagementProject.PathWithNamespace != "platform/cluster-management" {
				t.Errorf("management project = %+v, want project 5", added.ManagementProject)
			}
			if added.User == nil || added.User.Username != "maintainer" || added.PlatformKubernetes == nil ||
				added.PlatformKubernetes.APIURL != cgPublicAPIURL || added.PlatformKubernetes.Token != "" ||
				added.PlatformKubernetes.AuthorizationType != "rbac" {
				t.Errorf("user %+v, platform %+v", added.User, added.PlatformKubernetes)
			}

			got, _, err := c.GroupCluster.GetCluster(gid, added.ID)
			if err != nil || got.ID != added.ID || got.Group == nil || got.Group.ID != 12 {
				t.Fatalf("GetCluster: %+v, %v", got, err)
			}

			edited, _, err := c.GroupCluster.EditCluster(gid, added.ID, &gitlab.EditGroupClusterOptions{
				Name: gitlab.Ptr("cg-group-renamed"), Domain: gitlab.Ptr("new.example.org"),
				PlatformKubernetes: &gitlab.EditGroupPlatformKubernetesOptions{APIURL: gitlab.Ptr("https://new-api.example.com"), Token: gitlab.Ptr("")},
			})
			if err != nil || edited.Name != "cg-group-renamed" || edited.Domain != "new.example.org" ||
				edited.PlatformKubernetes.APIURL != "https://new-api.example.com" || edited.Group == nil {
				t.Fatalf("EditCluster: %+v, %v", edited, err)
			}

			resp, err = c.GroupCluster.DeleteCluster(gid, added.ID)
			if err != nil || cgStatus(resp) != http.StatusNoContent {
				t.Fatalf("DeleteCluster: %v (status %d)", err, cgStatus(resp))
			}
			_, _, err = c.GroupCluster.GetCluster(gid, added.ID)
			cgWantError(t, err, http.StatusNotFound, "")
		})
	}
}

func TestClientGoGroupClusterListPagination(t *testing.T) {
	srv := mocktest.Start(t)
	c := cgClient(t, srv.URL, "owner-token")
	want := []int64{16}
	for i := range 6 {
		cl, _, err := c.GroupCluster.AddCluster("platform", cgGroupAddOptions(fmt.Sprintf("g-%d", i), fmt.Sprintf("env-%d/*", i)))
		if err != nil {
			t.Fatalf("AddCluster %d: %v", i, err)
		}
		want = append(want, cl.ID)
	}
	// Neither a project's nor the instance's clusters appear.
	root := cgClient(t, srv.URL, "root-token")
	if _, _, err := root.InstanceCluster.AddCluster(cgAddOptions("inst", "inst/*")); err != nil {
		t.Fatalf("instance AddCluster: %v", err)
	}
	dev := cgClient(t, srv.URL, "developer-token")
	var seen []int64
	for page := int64(1); page != 0; {
		list, resp, err := dev.GroupCluster.ListClusters(12, gitlab.WithOffsetPaginationParameters(page), cgPerPage(3))
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if resp.TotalItems != int64(len(want)) || resp.TotalPages != 3 || resp.CurrentPage != page {
			t.Errorf("page %d: total %d pages %d current %d", page, resp.TotalItems, resp.TotalPages, resp.CurrentPage)
		}
		for _, cl := range list {
			seen = append(seen, cl.ID)
		}
		if len(seen) > len(want) {
			t.Fatalf("walked too far: %v", seen)
		}
		page = resp.NextPage
	}
	if !slices.Equal(seen, want) {
		t.Errorf("ids = %v, want %v", seen, want)
	}
	var scanned []int64
	for cl, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.GroupCluster, *gitlab.Response, error) {
		return dev.GroupCluster.ListClusters("platform", cgPerPage(2), p)
	}) {
		if err != nil {
			t.Fatalf("Scan2: %v", err)
		}
		scanned = append(scanned, cl.ID)
		if len(scanned) > 2*len(want) {
			t.Fatalf("Scan2 does not stop: %v", scanned)
		}
	}
	if !slices.Equal(scanned, want) {
		t.Errorf("Scan2 ids = %v, want %v", scanned, want)
	}
}

func TestClientGoInstanceCluster(t *testing.T) {
	srv := mocktest.Start(t)
	c := cgClient(t, srv.URL, "root-token")
	opt := cgAddOptions("cg-instance", "production")
	opt.ManagementProjectID = gitlab.Ptr("1")
	added, resp, err := c.InstanceCluster.AddCluster(opt)
	if err != nil || cgStatus(resp) != http.StatusCreated {
		t.Fatalf("AddCluster: %v (status %d)", err, cgStatus(resp))
	}
	if added.ID != 20 || added.ClusterType != "instance_type" || added.EnvironmentScope != "production" || !added.Managed ||
		added.ManagementProject == nil || added.ManagementProject.ID != 1 || added.PlatformKubernetes.Token != "" {
		t.Errorf("added = %+v", added)
	}
	got, _, err := c.InstanceCluster.GetCluster(added.ID)
	if err != nil || got.Name != "cg-instance" {
		t.Fatalf("GetCluster: %+v, %v", got, err)
	}
	// The edit's "project": null is ignored by the client.
	edited, _, err := c.InstanceCluster.EditCluster(added.ID, &gitlab.EditClusterOptions{Name: gitlab.Ptr("cg-instance-2"), Domain: gitlab.Ptr("i.example.org")})
	if err != nil || edited.Name != "cg-instance-2" || edited.Domain != "i.example.org" {
		t.Fatalf("EditCluster: %+v, %v", edited, err)
	}

	var ids []int64
	for page := int64(1); page != 0; {
		list, resp, err := c.InstanceCluster.ListClusters(gitlab.WithOffsetPaginationParameters(page), cgPerPage(1))
		if err != nil {
			t.Fatalf("ListClusters page %d: %v", page, err)
		}
		if resp.TotalItems != 2 || resp.TotalPages != 2 {
			t.Errorf("page %d: total %d pages %d, want 2 2", page, resp.TotalItems, resp.TotalPages)
		}
		for _, cl := range list {
			ids = append(ids, cl.ID)
		}
		if len(ids) > 2 {
			t.Fatalf("walked too far: %v", ids)
		}
		page = resp.NextPage
	}
	if !slices.Equal(ids, []int64{17, added.ID}) {
		t.Errorf("ids = %v, want [17 %d]", ids, added.ID)
	}

	if resp, err := c.InstanceCluster.DeleteCluster(added.ID); err != nil || cgStatus(resp) != http.StatusNoContent {
		t.Fatalf("DeleteCluster: %v (status %d)", err, cgStatus(resp))
	}
	_, _, err = c.InstanceCluster.GetCluster(added.ID)
	cgWantError(t, err, http.StatusNotFound, "")
}

func TestClientGoFamilyErrors(t *testing.T) {
	srv := mocktest.Start(t)
	maintainer := cgClient(t, srv.URL, "maintainer-token")
	developer := cgClient(t, srv.URL, "developer-token")
	outsider := cgClient(t, srv.URL, "outsider-token")
	root := cgClient(t, srv.URL, "root-token")

	_, _, err := outsider.GroupCluster.ListClusters(12)
	cgWantError(t, err, http.StatusNotFound, "")
	_, _, err = developer.GroupCluster.AddCluster(12, cgGroupAddOptions("d", "d"))
	cgWantError(t, err, http.StatusForbidden, "403 Forbidden")
	_, _, err = maintainer.GroupCluster.AddCluster(12, cgGroupAddOptions("dup", "*"))
	cgWantError(t, err, http.StatusBadRequest, "cannot add duplicated environment scope")
	ns := cgGroupAddOptions("ns", "ns")
	ns.PlatformKubernetes.Namespace = gitlab.Ptr("apps")
	_, _, err = maintainer.GroupCluster.AddCluster(12, ns)
	cgWantError(t, err, http.StatusBadRequest, "only allowed for project cluster")
	mp := cgGroupAddOptions("mp", "mp")
	mp.ManagementProjectID = gitlab.Ptr("1")
	_, _, err = maintainer.GroupCluster.AddCluster(12, mp)
	cgWantError(t, err, http.StatusBadRequest, "don't have permission")
	_, _, err = maintainer.GroupCluster.GetCluster(12, 18)
	cgWantError(t, err, http.StatusNotFound, "")

	_, _, err = maintainer.InstanceCluster.ListClusters()
	cgWantError(t, err, http.StatusForbidden, "403 Forbidden")
	_, _, err = root.InstanceCluster.GetCluster(18)
	cgWantError(t, err, http.StatusNotFound, "")
	_, _, err = root.InstanceCluster.AddCluster(&gitlab.AddClusterOptions{PlatformKubernetes: &gitlab.AddPlatformKubernetesOptions{APIURL: gitlab.Ptr(cgPublicAPIURL), Token: gitlab.Ptr("t")}})
	cgWantError(t, err, http.StatusBadRequest, "name is missing")
	_, _, err = root.InstanceCluster.EditCluster(17, &gitlab.EditClusterOptions{Domain: gitlab.Ptr("invalid domain")})
	cgWantError(t, err, http.StatusBadRequest, "contains invalid characters")
}
