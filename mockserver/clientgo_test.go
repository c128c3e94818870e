package mockserver_test

// These tests drive the mock with GitLab's own Go client, gitlab.com/gitlab-org/api/client-go
// (service ProjectCluster), the way a real consumer of the API would: if the client can list,
// page, create, edit and delete clusters and gets the errors it expects, the mock is good enough
// to stand in for GitLab in that consumer's tests.

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// cgPublicAPIURL is an api_url GitLab's UrlBlocker accepts (a public address, not resolved).
const cgPublicAPIURL = "https://kubernetes.example.com"

// cgProjectIDs are the two ways a client names project 1; the client URL-encodes the path.
var cgProjectIDs = []struct {
	name string
	pid  any
}{
	{"int", 1},
	{"path", "demo-group/demo"},
}

// cgClient returns a client for the mock with retries off, so an error surfaces at once.
func cgClient(t *testing.T, baseURL, token string) *gitlab.Client {
	t.Helper()
	c, err := gitlab.NewClient(token, gitlab.WithBaseURL(baseURL+"/api/v4"), gitlab.WithoutRetries())
	if err != nil {
		t.Fatalf("gitlab.NewClient: %v", err)
	}
	return c
}

// cgPerPage sets per_page on one request: ListClusters has no options struct of its own.
func cgPerPage(n int) gitlab.RequestOptionFunc {
	return func(req *retryablehttp.Request) error {
		q := req.URL.Query()
		q.Set("per_page", strconv.Itoa(n))
		req.URL.RawQuery = q.Encode()
		return nil
	}
}

// cgAddOptions is a valid create request for a user-provided cluster.
func cgAddOptions(name, scope string) *gitlab.AddClusterOptions {
	return &gitlab.AddClusterOptions{
		Name:             gitlab.Ptr(name),
		EnvironmentScope: gitlab.Ptr(scope),
		PlatformKubernetes: &gitlab.AddPlatformKubernetesOptions{
			APIURL: gitlab.Ptr(cgPublicAPIURL),
			Token:  gitlab.Ptr("sample-token"),
		},
	}
}

// cgRaw fetches a cluster as a plain map through the client's own request machinery, for the
// fields the client's ProjectCluster struct lacks (enabled, managed, namespace_per_environment).
func cgRaw(t *testing.T, c *gitlab.Client, pid any, id int64) map[string]any {
	t.Helper()
	path := fmt.Sprintf("projects/%s/clusters/%d", gitlab.PathEscape(fmt.Sprint(pid)), id)
	req, err := c.NewRequest(http.MethodGet, path, nil, nil)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	var out map[string]any
	if _, err := c.Do(req, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

func cgStatus(resp *gitlab.Response) int {
	if resp == nil || resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}

func TestClientGoCRUD(t *testing.T) {
	for _, tc := range cgProjectIDs {
		t.Run(tc.name, func(t *testing.T) {
			srv := mocktest.Start(t)
			c := cgClient(t, srv.URL, "maintainer-token")
			before := time.Now().Add(-time.Second)

			// Add: every field the client reads, the caller as user, GitLab's defaults.
			opt := cgAddOptions("cg-cluster", "staging/*")
			opt.Domain = gitlab.Ptr("apps.example.org")
			opt.PlatformKubernetes.Namespace = gitlab.Ptr("CG-Namespace") // GitLab downcases it
			added, resp, err := c.ProjectCluster.AddCluster(tc.pid, opt)
			if err != nil {
				t.Fatalf("AddCluster: %v", err)
			}
			if cgStatus(resp) != http.StatusCreated {
				t.Fatalf("AddCluster status = %d, want 201", cgStatus(resp))
			}
			if added.ID < 20 {
				t.Errorf("new id = %d, want >= 20 (the seed's next_cluster_id)", added.ID)
			}
			checks := []struct {
				field, got, want string
			}{
				{"name", added.Name, "cg-cluster"},
				{"domain", added.Domain, "apps.example.org"},
				{"environment_scope", added.EnvironmentScope, "staging/*"},
				{"provider_type", added.ProviderType, "user"},
				{"platform_type", added.PlatformType, "kubernetes"},
				{"cluster_type", added.ClusterType, "project_type"},
			}
			for _, ch := range checks {
				if ch.got != ch.want {
					t.Errorf("added %s = %q, want %q", ch.field, ch.got, ch.want)
				}
			}
			if added.User == nil || added.User.ID != 3 || added.User.Username != "maintainer" {
				t.Errorf("added user = %+v, want the caller (id 3, maintainer)", added.User)
			}
			if pk := added.PlatformKubernetes; pk == nil {
				t.Errorf("added platform_kubernetes is missing")
			} else {
				if pk.APIURL != cgPublicAPIURL || pk.Namespace != "cg-namespace" || pk.AuthorizationType != "rbac" {
					t.Errorf("added platform_kubernetes = %+v, want api_url %s, namespace cg-namespace, rbac", pk, cgPublicAPIURL)
				}
				if pk.Token != "" {
					t.Errorf("the response exposes the cluster token %q; GitLab never does", pk.Token)
				}
			}
			if added.CreatedAt == nil || added.CreatedAt.Before(before) || added.CreatedAt.After(time.Now().Add(time.Second)) {
				t.Errorf("added created_at = %v, want about now", added.CreatedAt)
			}
			if added.Project == nil || added.Project.ID != 1 || added.Project.PathWithNamespace != "demo-group/demo" {
				t.Errorf("added project = %+v, want project 1 demo-group/demo", added.Project)
			}
			if added.ManagementProject != nil {
				t.Errorf("added management_project = %+v, want null", added.ManagementProject)
			}
			raw := cgRaw(t, c, tc.pid, added.ID)
			for _, k := range []string{"enabled", "managed", "namespace_per_environment"} {
				if raw[k] != true {
					t.Errorf("default %s = %v, want true", k, raw[k])
				}
			}
			if raw["provider_gcp"] != nil {
				t.Errorf("provider_gcp = %v, want null for a user cluster", raw["provider_gcp"])
			}

			// Get returns what Add returned.
			got, resp, err := c.ProjectCluster.GetCluster(tc.pid, added.ID)
			if err != nil || cgStatus(resp) != http.StatusOK {
				t.Fatalf("GetCluster: %v (status %d)", err, cgStatus(resp))
			}
			if got.ID != added.ID || got.Name != added.Name || got.EnvironmentScope != added.EnvironmentScope ||
				got.Domain != added.Domain || !got.CreatedAt.Equal(*added.CreatedAt) || *got.PlatformKubernetes != *added.PlatformKubernetes {
				t.Errorf("GetCluster = %s\nwant        %s", got, added)
			}

			// The new cluster shows up in the list, after the seed's.
			list, resp, err := c.ProjectCluster.ListClusters(tc.pid)
			if err != nil || cgStatus(resp) != http.StatusOK {
				t.Fatalf("ListClusters: %v (status %d)", err, cgStatus(resp))
			}
			var ids []int64
			for _, cl := range list {
				ids = append(ids, cl.ID)
				if cl.Project != nil {
					t.Errorf("list item %d has a project; GitLab's list uses Entities::Cluster", cl.ID)
				}
			}
			if !slices.Equal(ids, []int64{18, added.ID}) {
				t.Errorf("list ids = %v, want [18 %d]", ids, added.ID)
			}

			// Edit only the name: everything else is kept.
			edited, resp, err := c.ProjectCluster.EditCluster(tc.pid, added.ID, &gitlab.EditClusterOptions{Name: gitlab.Ptr("cg-renamed")})
			if err != nil || cgStatus(resp) != http.StatusOK {
				t.Fatalf("EditCluster: %v (status %d)", err, cgStatus(resp))
			}
			if edited.Name != "cg-renamed" {
				t.Errorf("edited name = %q, want cg-renamed", edited.Name)
			}
			if edited.ID != added.ID || edited.Domain != added.Domain || edited.EnvironmentScope != added.EnvironmentScope ||
				*edited.PlatformKubernetes != *added.PlatformKubernetes || !edited.CreatedAt.Equal(*added.CreatedAt) ||
				edited.User == nil || edited.User.ID != added.User.ID {
				t.Errorf("EditCluster changed more than the name:\n got %s\nwant %s", edited, added)
			}
			raw = cgRaw(t, c, tc.pid, added.ID)
			if raw["name"] != "cg-renamed" || raw["enabled"] != true || raw["managed"] != true {
				t.Errorf("after edit: name %v enabled %v managed %v, want cg-renamed true true", raw["name"], raw["enabled"], raw["managed"])
			}

			// Delete: 204, then the cluster is gone.
			resp, err = c.ProjectCluster.DeleteCluster(tc.pid, added.ID)
			if err != nil || cgStatus(resp) != http.StatusNoContent {
				t.Fatalf("DeleteCluster: %v (status %d)", err, cgStatus(resp))
			}
			if _, _, err := c.ProjectCluster.GetCluster(tc.pid, added.ID); !errors.Is(err, gitlab.ErrNotFound) {
				t.Errorf("GetCluster after delete: err = %v, want gitlab.ErrNotFound", err)
			}
			if _, err := c.ProjectCluster.DeleteCluster(tc.pid, added.ID); !errors.Is(err, gitlab.ErrNotFound) {
				t.Errorf("second DeleteCluster: err = %v, want gitlab.ErrNotFound", err)
			}
		})
	}
}

func TestClientGoListPagination(t *testing.T) {
	const extra, perPage = 9, 2 // with the seed's cluster 18: 10 clusters, 5 pages
	for _, tc := range cgProjectIDs {
		t.Run(tc.name, func(t *testing.T) {
			srv := mocktest.Start(t)
			c := cgClient(t, srv.URL, "maintainer-token")
			want := []int64{18}
			for i := range extra {
				cl, _, err := c.ProjectCluster.AddCluster(tc.pid, cgAddOptions(fmt.Sprintf("page-%d", i), fmt.Sprintf("env-%d/*", i)))
				if err != nil {
					t.Fatalf("AddCluster %d: %v", i, err)
				}
				want = append(want, cl.ID)
			}
			// A cluster of another project must never appear.
			other := cgClient(t, srv.URL, "root-token")
			if _, _, err := other.ProjectCluster.AddCluster(2, cgAddOptions("other", "other/*")); err != nil {
				t.Fatalf("AddCluster in project 2: %v", err)
			}

			total := int64(len(want))
			pages := (total + perPage - 1) / perPage

			// Walk by page number, as most Go consumers do: NextPage until it is 0.
			dev := cgClient(t, srv.URL, "developer-token") // Developer may read
			var seen []int64
			for page := int64(1); page != 0; {
				list, resp, err := dev.ProjectCluster.ListClusters(tc.pid, gitlab.WithOffsetPaginationParameters(page), cgPerPage(perPage))
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				if resp.CurrentPage != page || resp.ItemsPerPage != perPage || resp.TotalItems != total || resp.TotalPages != pages {
					t.Errorf("page %d: current %d per_page %d total %d pages %d, want %d %d %d %d",
						page, resp.CurrentPage, resp.ItemsPerPage, resp.TotalItems, resp.TotalPages, page, perPage, total, pages)
				}
				wantPrev := page - 1
				wantNext := page + 1
				if page == pages {
					wantNext = 0
					if resp.NextLink != "" {
						t.Errorf("last page has a next link %q", resp.NextLink)
					}
				}
				if resp.PreviousPage != wantPrev || resp.NextPage != wantNext {
					t.Errorf("page %d: prev %d next %d, want %d %d", page, resp.PreviousPage, resp.NextPage, wantPrev, wantNext)
				}
				if resp.FirstLink == "" || resp.LastLink == "" || !strings.HasPrefix(resp.FirstLink, srv.URL+"/api/v4/projects/") {
					t.Errorf("page %d: first link %q, last link %q, want absolute links on %s", page, resp.FirstLink, resp.LastLink, srv.URL)
				}
				if len(list) == 0 || int64(len(list)) > perPage {
					t.Fatalf("page %d has %d items, want 1..%d", page, len(list), perPage)
				}
				for _, cl := range list {
					seen = append(seen, cl.ID)
				}
				if page > pages {
					t.Fatalf("walked past the last page %d", pages)
				}
				page = resp.NextPage
			}
			if !slices.Equal(seen, want) {
				t.Errorf("ids over all pages = %v, want %v (ascending, each once)", seen, want)
			}
			if !slices.IsSorted(seen) {
				t.Errorf("ids are not ascending: %v", seen)
			}

			// Walk with the client's own iterator, which follows the Link header's rel="next".
			var scanned []int64
			for cl, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.ProjectCluster, *gitlab.Response, error) {
				return dev.ProjectCluster.ListClusters(tc.pid, cgPerPage(perPage), p)
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

			// A page past the end is an empty list, not an error.
			list, resp, err := dev.ProjectCluster.ListClusters(tc.pid, gitlab.WithOffsetPaginationParameters(pages+1), cgPerPage(perPage))
			if err != nil || len(list) != 0 || resp.NextPage != 0 {
				t.Errorf("page past the end: %d items, next %d, err %v; want 0 items, no next page, no error", len(list), resp.NextPage, err)
			}
		})
	}
}

// cgWantError checks an error against an HTTP status, as the client reports it: every 404 is
// the gitlab.ErrNotFound sentinel, other statuses an *gitlab.ErrorResponse.
func cgWantError(t *testing.T, err error, status int, msgContains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %d", status)
	}
	if status == http.StatusNotFound {
		if !errors.Is(err, gitlab.ErrNotFound) {
			t.Errorf("err = %v, want gitlab.ErrNotFound", err)
		}
		return
	}
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("err = %T %v, want *gitlab.ErrorResponse", err, err)
	}
	if er.Response == nil || er.Response.StatusCode != status {
		t.Errorf("status = %v, want %d (%v)", er.Response.StatusCode, status, err)
	}
	if !strings.Contains(er.Message, msgContains) {
		t.Errorf("message = %q, want it to contain %q (body %s)", er.Message, msgContains, er.Body)
	}
}

func TestClientGoErrors(t *testing.T) {
	srv := mocktest.Start(t)
	badNamespace := cgAddOptions("bad-ns", "bad-ns/*")
	badNamespace.PlatformKubernetes.Namespace = gitlab.Ptr("invalid_namespace")
	blockedURL := cgAddOptions("blocked", "blocked/*")
	blockedURL.PlatformKubernetes.APIURL = gitlab.Ptr("invalid_api_url")
	badDomain := cgAddOptions("bad-domain", "bad-domain/*")
	badDomain.Domain = gitlab.Ptr("invalid domain")
	badAuthType := cgAddOptions("bad-auth", "bad-auth/*")
	badAuthType.PlatformKubernetes.AuthorizationType = gitlab.Ptr("kerberos")
	noPlatform := &gitlab.AddClusterOptions{Name: gitlab.Ptr("no-platform")}

	tests := []struct {
		name   string
		token  string
		call   func(c *gitlab.Client, pid any) error
		status int
		msg    string
	}{
		{"missing name", "maintainer-token", func(c *gitlab.Client, pid any) error {
			opt := cgAddOptions("", "x/*")
			opt.Name = nil
			_, _, err := c.ProjectCluster.AddCluster(pid, opt)
			return err
		}, 400, "name is missing"},
		{"missing platform attributes", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.AddCluster(pid, noPlatform)
			return err
		}, 400, "platform_kubernetes_attributes is missing"},
		{"bad namespace", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.AddCluster(pid, badNamespace)
			return err
		}, 400, "platform_kubernetes.namespace"},
		{"blocked api_url", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.AddCluster(pid, blockedURL)
			return err
		}, 400, "Only allowed schemes are http, https"},
		{"bad domain", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.AddCluster(pid, badDomain)
			return err
		}, 400, "contains invalid characters"},
		{"bad authorization_type", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.AddCluster(pid, badAuthType)
			return err
		}, 400, "platform_kubernetes_attributes[authorization_type] does not have a valid value"},
		{"duplicate environment scope", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.AddCluster(pid, cgAddOptions("dup", "*")) // cluster 18 has *
			return err
		}, 400, "cannot add duplicated environment scope"},
		{"edit to blank name", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.EditCluster(pid, 18, &gitlab.EditClusterOptions{Name: gitlab.Ptr(" ")})
			return err
		}, 400, "has to be present"},
		{"bad token list", "no-such-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.ListClusters(pid)
			return err
		}, 401, "401 Unauthorized"},
		{"bad token add", "no-such-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.AddCluster(pid, cgAddOptions("x", "x/*"))
			return err
		}, 401, "401 Unauthorized"},
		{"developer add", "developer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.AddCluster(pid, cgAddOptions("x", "x/*"))
			return err
		}, 403, "403 Forbidden"},
		{"developer edit", "developer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.EditCluster(pid, 18, &gitlab.EditClusterOptions{Name: gitlab.Ptr("x")})
			return err
		}, 403, "403 Forbidden"},
		{"developer delete", "developer-token", func(c *gitlab.Client, pid any) error {
			_, err := c.ProjectCluster.DeleteCluster(pid, 18)
			return err
		}, 403, "403 Forbidden"},
		{"reporter list", "reporter-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.ListClusters(pid)
			return err
		}, 403, "403 Forbidden"},
		{"read_api token add", "readonly-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.AddCluster(pid, cgAddOptions("x", "x/*"))
			return err
		}, 403, "insufficient_scope"},
		{"missing project id", "root-token", func(c *gitlab.Client, _ any) error {
			_, _, err := c.ProjectCluster.ListClusters(999)
			return err
		}, 404, ""},
		{"missing project path", "root-token", func(c *gitlab.Client, _ any) error {
			_, _, err := c.ProjectCluster.GetCluster("demo-group/nope", 18)
			return err
		}, 404, ""},
		{"private project of others", "outsider-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.ListClusters(pid)
			return err
		}, 404, ""},
		{"missing cluster get", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.GetCluster(pid, 9999)
			return err
		}, 404, ""},
		{"other project's cluster get", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.GetCluster(pid, 19) // project 2's, and the maintainer can see project 2
			return err
		}, 404, ""},
		{"missing cluster edit", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, _, err := c.ProjectCluster.EditCluster(pid, 9999, &gitlab.EditClusterOptions{Name: gitlab.Ptr("x")})
			return err
		}, 404, ""},
		{"missing cluster delete", "maintainer-token", func(c *gitlab.Client, pid any) error {
			_, err := c.ProjectCluster.DeleteCluster(pid, 9999)
			return err
		}, 404, ""},
	}
	for _, pc := range cgProjectIDs {
		for _, tt := range tests {
			t.Run(pc.name+"/"+tt.name, func(t *testing.T) {
				err := tt.call(cgClient(t, srv.URL, tt.token), pc.pid)
				cgWantError(t, err, tt.status, tt.msg)
			})
		}
	}

	// None of the failed calls changed anything.
	list, _, err := cgClient(t, srv.URL, "root-token").ProjectCluster.ListClusters(1)
	if err != nil || len(list) != 1 || list[0].ID != 18 || list[0].Name != "cluster-1" {
		t.Errorf("after the failures project 1 has %v (err %v), want only the unchanged cluster 18", list, err)
	}
}

// TestClientGoManagementProject sets management_project_id through the client, which sends it
// as a JSON string ("2"): client-go declares ManagementProjectID as *string. GitLab's Grape
// coerces the string to the declared Integer, so a real GitLab accepts it.
func TestClientGoManagementProject(t *testing.T) {
	srv := mocktest.Start(t)
	c := cgClient(t, srv.URL, "maintainer-token") // Maintainer of projects 1 and 2 (same group)

	opt := cgAddOptions("managed-by-2", "mgmt/*")
	opt.ManagementProjectID = gitlab.Ptr("2")
	added, _, err := c.ProjectCluster.AddCluster(1, opt)
	// client-go sends the id as a string; Grape (and the mock) coerce it to an integer.
	if err != nil {
		t.Fatalf("AddCluster with management_project_id \"2\": %v", err)
	}
	if added.ManagementProject == nil || added.ManagementProject.ID != 2 || added.ManagementProject.PathWithNamespace != "demo-group/other" {
		t.Errorf("management_project = %+v, want project 2 demo-group/other", added.ManagementProject)
	}

	edited, _, err := c.ProjectCluster.EditCluster(1, added.ID, &gitlab.EditClusterOptions{ManagementProjectID: gitlab.Ptr("3")})
	if err != nil {
		t.Fatalf("EditCluster with management_project_id \"3\": %v", err)
	}
	if edited.ManagementProject == nil || edited.ManagementProject.ID != 3 {
		t.Errorf("management_project after edit = %+v, want project 3", edited.ManagementProject)
	}

	// A project the caller cannot administer: the service's 400, not a parameter error.
	opt = cgAddOptions("managed-by-4", "mgmt4/*")
	opt.ManagementProjectID = gitlab.Ptr("4")
	_, _, err = c.ProjectCluster.AddCluster(1, opt)
	cgWantError(t, err, http.StatusBadRequest, "don't have permission")
}
