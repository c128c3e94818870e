package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// rehearsalExternal is both mocks' GitLab URL in web_url fields, so their answers compare.
const rehearsalExternal = "https://gitlab.example.com"

func ptr[T any](v T) *T { return &v }

// richSeed is an instance with a subgroup; public, internal and private projects (one in a
// user's namespace); project, group and instance clusters with varied fields, management
// projects, disabled and unmanaged clusters; users of every role.
func richSeed() *mockserver.Seed {
	ca := "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
	member := func(uid int, role string) mockserver.SeedMember {
		return mockserver.SeedMember{UserID: uid, Role: role}
	}
	cluster := func(id int, typ string, owner int, name, scope string) mockserver.SeedCluster {
		c := mockserver.SeedCluster{ID: id, ClusterType: typ, Name: name, Enabled: true, Managed: true, ProviderType: "user",
			EnvironmentScope: scope, NamespacePerEnvironment: true, UserID: 1, CreatedAt: "2021-03-04T05:06:07.123Z",
			Platform: mockserver.SeedPlatform{APIURL: fmt.Sprintf("https://k8s-%d.example.com", id), Token: fmt.Sprintf("first-k8s-secret-%d", id),
				AuthorizationType: "rbac"}}
		switch typ {
		case "project_type":
			c.ProjectID = owner
		case "group_type":
			c.GroupID = owner
		}
		return c
	}
	c300 := cluster(300, "project_type", 200, "web-prod", "*")
	c300.Domain, c300.Platform.CACert, c300.Platform.Namespace, c300.ManagementProjectID = ptr("web.example.com"), &ca, ptr("web-ns"), ptr(203)
	c301 := cluster(301, "project_type", 200, "web-gke", "production")
	c301.Enabled, c301.Managed, c301.ProviderType, c301.Platform.AuthorizationType = false, false, "gcp", "abac"
	c301.ProviderGCP = &mockserver.SeedProviderGCP{GCPProjectID: "gcp-web", Zone: "europe-west1-b", MachineType: "n1-standard-2",
		NumNodes: 3, StatusName: "created", Endpoint: "34.1.2.3"}
	c302 := cluster(302, "project_type", 201, "api", "*")
	c302.NamespacePerEnvironment, c302.UserID = false, 3
	c303 := cluster(303, "group_type", 100, "infra-shared", "*")
	c303.ManagementProjectID, c303.Domain = ptr(203), ptr("")
	c304 := cluster(304, "group_type", 101, "team-staging", "staging")
	c304.Enabled = false
	c305 := cluster(305, "instance_type", 0, "instance-main", "*")
	c305.Platform.CACert = &ca
	c306 := cluster(306, "instance_type", 0, "instance-review", "review/*")
	c306.Managed, c306.Platform.AuthorizationType = false, "unknown_authorization"
	c307 := cluster(307, "project_type", 204, "sandbox", "*") // alice appears only as the owner of its project
	c308 := cluster(308, "project_type", 202, "vault", "*")
	c308.ManagementProjectID = ptr(202)
	return &mockserver.Seed{
		Users: []mockserver.SeedUser{{ID: 1, Username: "root", Name: "Administrator", Admin: true}, {ID: 2, Username: "olivia", Name: "Olivia Owner"},
			{ID: 3, Username: "mia", Name: "Mia Maintainer"}, {ID: 4, Username: "dev", Name: "Dev Developer"}, {ID: 5, Username: "remy", Name: "Remy Reporter"},
			{ID: 6, Username: "gus", Name: "Gus Guest"}, {ID: 7, Username: "otto", Name: "Otto Outsider"}, {ID: 8, Username: "alice", Name: "Alice"},
			{ID: 9, Username: "blocked", Name: "Blocked", State: "blocked"}},
		Tokens: []mockserver.SeedToken{{Token: "first-root-secret", UserID: 1, Scopes: []string{"api", "sudo"}},
			{Token: "first-olivia-secret", UserID: 2, Scopes: []string{"api"}}, {Token: "first-mia-secret", UserID: 3, Scopes: []string{"api"}},
			{Token: "first-dev-secret", UserID: 4, Scopes: []string{"api"}}, {Token: "first-remy-secret", UserID: 5, Scopes: []string{"api"}},
			{Token: "first-gus-secret", UserID: 6, Scopes: []string{"api"}}, {Token: "first-otto-secret", UserID: 7, Scopes: []string{"api"}},
			{Token: "first-alice-secret", UserID: 8, Scopes: []string{"api"}}},
		Namespaces: []mockserver.SeedNamespace{
			{ID: 100, Name: "Infra", Path: "infra", Kind: "group", Visibility: "public", Members: []mockserver.SeedMember{member(2, "owner"), member(3, "maintainer")}},
			{ID: 101, Name: "Team", Path: "team", Kind: "group", ParentID: ptr(100), Visibility: "internal",
				Members: []mockserver.SeedMember{member(4, "developer"), member(5, "reporter"), member(9, "developer")}},
			{ID: 102, Name: "Secret", Path: "secret", Kind: "group", Visibility: "private", Members: []mockserver.SeedMember{member(6, "guest"), member(3, "owner")}},
			{ID: 103, Name: "alice", Path: "alice", Kind: "user"},
		},
		Projects: []mockserver.SeedProject{
			{ID: 200, Name: "Web", Path: "web", NamespaceID: 100, Visibility: "public", Description: "The web site", CreatedAt: "2020-01-01T00:00:00.000Z",
				Members: []mockserver.SeedMember{member(6, "guest")}},
			{ID: 201, Name: "API", Path: "api", NamespaceID: 101, Visibility: "internal", Members: []mockserver.SeedMember{member(4, "maintainer")}},
			{ID: 202, Name: "Vault", Path: "vault", NamespaceID: 102, Visibility: "private", Members: []mockserver.SeedMember{member(5, "developer")}},
			{ID: 203, Name: "cluster-management", Path: "cluster-management", NamespaceID: 100, Visibility: "private", Members: []mockserver.SeedMember{}},
			{ID: 204, Name: "Sandbox", Path: "sandbox", NamespaceID: 103, Visibility: "private", Members: []mockserver.SeedMember{}},
		},
		Clusters:      []mockserver.SeedCluster{c300, c301, c302, c303, c304, c305, c306, c307, c308},
		NextClusterID: 400,
	}
}

// rehearsalPaths is every read the administrator makes of clusters, projects, groups and
// the GitLab around them, lists at small pages so that pagination shows.
func rehearsalPaths() []string {
	paths := []string{"/admin/clusters", "/admin/clusters?per_page=1&page=2", "/projects", "/projects?per_page=2&page=2",
		"/groups", "/groups?per_page=1&page=3", "/groups?all_available=true", "/discover-cert-based-clusters?group_id=100", "/user"}
	for _, id := range []int{305, 306} {
		paths = append(paths, fmt.Sprintf("/admin/clusters/%d", id))
	}
	for _, g := range []struct{ id, clusters []int }{{[]int{100}, []int{303}}, {[]int{101}, []int{304}}, {[]int{102}, nil}} {
		id := g.id[0]
		paths = append(paths, fmt.Sprintf("/groups/%d", id), fmt.Sprintf("/groups/%d/clusters", id), fmt.Sprintf("/groups/%d/subgroups", id),
			fmt.Sprintf("/groups/%d/projects", id), fmt.Sprintf("/groups/%d/members/all", id), fmt.Sprintf("/groups/%d/members/all?per_page=1&page=2", id),
			fmt.Sprintf("/namespaces/%d", id))
		for _, c := range g.clusters {
			paths = append(paths, fmt.Sprintf("/groups/%d/clusters/%d", id, c))
		}
	}
	paths = append(paths, "/groups/infra%2Fteam", "/groups/infra%2Fteam/clusters/304", "/namespaces/103")
	for _, p := range []struct {
		id       int
		clusters []int
	}{{200, []int{300, 301}}, {201, []int{302}}, {202, []int{308}}, {203, nil}, {204, []int{307}}} {
		paths = append(paths, fmt.Sprintf("/projects/%d", p.id), fmt.Sprintf("/projects/%d/clusters", p.id), fmt.Sprintf("/projects/%d/clusters?per_page=1&page=2", p.id),
			fmt.Sprintf("/projects/%d/members/all", p.id))
		for _, c := range p.clusters {
			paths = append(paths, fmt.Sprintf("/projects/%d/clusters/%d", p.id, c))
		}
	}
	paths = append(paths, "/projects/infra%2Fteam%2Fapi", "/projects/infra%2Fteam%2Fapi/clusters/302")
	for id := 1; id <= 9; id++ {
		if id != 7 { // otto holds nothing: see TestCLIInventorySeedRehearsal
			paths = append(paths, fmt.Sprintf("/users/%d", id))
		}
	}
	return paths
}

// answer is what a client sees of a response: status, pagination headers, JSON body.
type answer struct {
	Status  int
	Headers map[string]string
	Body    any
}

var pagingHeaders = []string{"X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page", "Link"}

func ask(t *testing.T, base, token, method, path string, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+"/api/v4"+path, rd)
	require.NoError(t, err)
	req.Header.Set("Private-Token", token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{Status: resp.StatusCode, Headers: map[string]string{}}
	for _, h := range pagingHeaders {
		// Link names the server asked: the two mocks listen on different ports
		a.Headers[h] = strings.ReplaceAll(resp.Header.Get(h), base, "BASE")
	}
	if len(raw) > 0 {
		// GET /user names the server asked too
		raw = []byte(strings.ReplaceAll(string(raw), base, "BASE"))
		require.NoError(t, json.Unmarshal(raw, &a.Body), "%s %s: %s", method, path, raw)
	}
	return a
}

// TestCLIInventorySeedRehearsal is issue 22's "Done when": a rich instance in one glmock,
// inventoried with --all and --seed by an administrator, served by a second glmock from the
// file, reads the same.
func TestCLIInventorySeedRehearsal(t *testing.T) {
	first := richSeed()
	_, src := mocktest.StartServer(t, mockserver.WithSeed(first), mockserver.WithExternalURL(rehearsalExternal))
	dir := t.TempDir()
	file := filepath.Join(dir, "rehearsal.json")
	res := glcontract(t, map[string]string{"GITLAB_URL": src.URL, "GITLAB_TOKEN": "first-root-secret"}, "inventory", "--all", "--seed", file)
	require.Equal(t, 1, res.code, "stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr) // enabled clusters, everything read
	require.Empty(t, res.stderr)
	for _, c := range first.Clusters {
		require.Contains(t, res.stdout, fmt.Sprintf("  %d  %s", c.ID, c.Name))
	}
	_, err := os.Stat(file + ".partial")
	require.True(t, os.IsNotExist(err), "the partial file is renamed")

	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	// the file holds no token of the first: neither access tokens nor cluster tokens
	for _, tok := range first.Tokens {
		require.NotContains(t, string(raw), tok.Token)
	}
	for _, c := range first.Clusters {
		require.NotContains(t, string(raw), c.Platform.Token)
	}
	require.NotContains(t, res.stdout, "first-root-secret")
	var meta struct {
		Metadata struct {
			Source       map[string]string `json:"source"`
			Placeholders string            `json:"placeholders"`
			Unreadable   []string          `json:"unreadable"`
		} `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal(raw, &meta))
	require.Equal(t, map[string]string{"url": src.URL, "version": meta.Metadata.Source["version"], "certificate_based_clusters": "on"}, meta.Metadata.Source)
	require.NotEmpty(t, meta.Metadata.Source["version"])
	require.Contains(t, meta.Metadata.Placeholders, "rehearsal-<username>")
	require.Empty(t, meta.Metadata.Unreadable)

	// glmock's own seed check passes (LoadSeed is what glmock --seed does)
	loaded, err := mockserver.LoadSeed(file)
	require.NoError(t, err)
	stateFile := filepath.Join(dir, "state.json")
	_, dst := mocktest.StartServer(t, mockserver.WithSeed(loaded), mockserver.WithExternalURL(rehearsalExternal), mockserver.WithStateFile(stateFile))

	// every read of the administrator's is the same on both
	paths := rehearsalPaths()
	for _, p := range paths {
		want := ask(t, src.URL, "first-root-secret", http.MethodGet, p, "")
		require.Equal(t, http.StatusOK, want.Status, p)
		require.Equal(t, want, ask(t, dst.URL, "rehearsal-root", http.MethodGet, p, ""), "GET %s as the administrator", p)
	}
	// users of every role get the same statuses with their token on the first and
	// rehearsal-<username> on the second
	for _, u := range first.Users[1:8] {
		if u.Username == "otto" {
			// a user who holds nothing (no membership, no cluster) appears only in GET /users,
			// which glmock does not serve: not in the seed (its metadata notes say so)
			require.Equal(t, http.StatusNotFound, ask(t, dst.URL, "rehearsal-root", http.MethodGet, "/users/7", "").Status)
			require.Contains(t, string(raw), "users: GET /users answered 404")
			continue
		}
		tok := "first-" + u.Username + "-secret"
		statuses := map[int]int{}
		for _, p := range paths {
			want := ask(t, src.URL, tok, http.MethodGet, p, "")
			got := ask(t, dst.URL, "rehearsal-"+u.Username, http.MethodGet, p, "")
			require.Equal(t, want.Status, got.Status, "GET %s as %s", p, u.Username)
			statuses[want.Status]++
		}
		require.NotZero(t, statuses[http.StatusOK], u.Username)
		if u.Username != "mia" && u.Username != "olivia" {
			require.NotZero(t, statuses[http.StatusForbidden]+statuses[http.StatusNotFound], "%s is refused something", u.Username)
		}
	}

	// the second at flag off answers 404 on every cluster route
	_, off := mocktest.StartServer(t, mockserver.WithSeed(loaded), mockserver.WithExternalURL(rehearsalExternal),
		mockserver.WithFeature("certificate_based_clusters", false))
	var routes [][2]string
	routes = append(routes, [2]string{"GET", "/admin/clusters"}, [2]string{"POST", "/admin/clusters/add"})
	for _, c := range loaded.Clusters {
		item := fmt.Sprintf("/admin/clusters/%d", c.ID)
		switch c.ClusterType {
		case "project_type":
			routes = append(routes, [2]string{"GET", fmt.Sprintf("/projects/%d/clusters", c.ProjectID)},
				[2]string{"POST", fmt.Sprintf("/projects/%d/clusters/user", c.ProjectID)})
			item = fmt.Sprintf("/projects/%d/clusters/%d", c.ProjectID, c.ID)
		case "group_type":
			routes = append(routes, [2]string{"GET", fmt.Sprintf("/groups/%d/clusters", c.GroupID)},
				[2]string{"POST", fmt.Sprintf("/groups/%d/clusters/user", c.GroupID)})
			item = fmt.Sprintf("/groups/%d/clusters/%d", c.GroupID, c.ID)
		}
		routes = append(routes, [2]string{"GET", item}, [2]string{"PUT", item}, [2]string{"DELETE", item})
	}
	for _, r := range routes {
		body := ""
		if r[0] == "POST" || r[0] == "PUT" {
			body = `{"name":"x","platform_kubernetes_attributes":{"api_url":"https://k8s.example.com","token":"t"}}`
		}
		require.Equal(t, http.StatusNotFound, ask(t, off.URL, "rehearsal-root", r[0], r[1], body).Status, "%s %s at flag off", r[0], r[1])
		require.Equal(t, http.StatusOK, ask(t, off.URL, "rehearsal-root", "GET", "/projects/200", "").Status)
	}

	// ids are the same after a restart of the second (its state file), a cluster created
	// meanwhile included, whose id is above every seeded one
	created := ask(t, dst.URL, "rehearsal-root", http.MethodPost, "/projects/203/clusters/user",
		`{"name":"new","platform_kubernetes_attributes":{"api_url":"https://k8s-new.example.com","token":"new-token"}}`)
	require.Equal(t, http.StatusCreated, created.Status, "%v", created.Body)
	newID := int(created.Body.(map[string]any)["id"].(float64))
	require.Greater(t, newID, 308)
	before := map[string]answer{}
	afterPaths := append(paths, fmt.Sprintf("/projects/203/clusters/%d", newID))
	for _, p := range afterPaths {
		before[p] = ask(t, dst.URL, "rehearsal-root", http.MethodGet, p, "")
	}
	dst.Close()
	_, again := mocktest.StartServer(t, mockserver.WithSeed(loaded), mockserver.WithExternalURL(rehearsalExternal), mockserver.WithStateFile(stateFile))
	for _, p := range afterPaths {
		got := ask(t, again.URL, "rehearsal-root", http.MethodGet, p, "")
		want := before[p]
		require.Equal(t, want, got, "GET %s after a restart", p)
	}
	next := ask(t, again.URL, "rehearsal-root", http.MethodPost, "/projects/203/clusters/user",
		`{"name":"newer","environment_scope":"staging","platform_kubernetes_attributes":{"api_url":"https://k8s-newer.example.com","token":"newer-token"}}`)
	require.Equal(t, http.StatusCreated, next.Status)
	require.Greater(t, int(next.Body.(map[string]any)["id"].(float64)), newID)
}

// TestCLIInventorySeedIncomplete: what cannot be read is in the seed's metadata and on the
// console, the run is incomplete (exit 3), and the seed still loads: clusters whose state the
// flag hides, a project the token cannot see.
func TestCLIInventorySeedIncomplete(t *testing.T) {
	_, src := mocktest.StartServer(t, mockserver.WithSeed(richSeed()), mockserver.WithExternalURL(rehearsalExternal),
		mockserver.WithFeature("certificate_based_clusters", false))
	file := filepath.Join(t.TempDir(), "rehearsal.json")
	res := glcontract(t, map[string]string{"GITLAB_URL": src.URL, "GITLAB_TOKEN": "first-mia-secret"},
		"inventory", "--group", "infra", "--project", "204", "--seed", file)
	require.Equal(t, 3, res.code, "stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	for _, want := range []string{"--seed: 5 cluster(s) not in the seed: their state could not be read",
		"--project 204: 404 Project Not Found", "Result (exit 3): incomplete"} {
		require.Contains(t, res.stdout, want)
	}
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NotContains(t, string(raw), "first-mia-secret")
	var s struct {
		Clusters []any `json:"clusters"`
		Metadata struct {
			Source     map[string]string `json:"source"`
			Unreadable []string          `json:"unreadable"`
		} `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal(raw, &s))
	require.Empty(t, s.Clusters)
	require.Equal(t, "off", s.Metadata.Source["certificate_based_clusters"])
	joined := strings.Join(s.Metadata.Unreadable, "\n")
	for _, want := range []string{"project cluster 300 (infra/web): not in the seed", "project cluster 301 (infra/web): not in the seed",
		"project cluster 302 (infra/team/api): not in the seed", "group cluster 303 (infra): not in the seed", "group cluster 304 (infra/team): not in the seed"} {
		require.Contains(t, joined, want)
	}
	require.Contains(t, joined, "--project 204: ")
	require.Contains(t, joined, "the clusters API is disabled")
	_, err = mockserver.LoadSeed(file)
	require.NoError(t, err)
}

// TestCLIInventorySeedOnlyGets: --all --seed reads each cluster on its own route, the
// projects, groups, members and users, with GET requests only.
func TestCLIInventorySeedOnlyGets(t *testing.T) {
	_, srv := mocktest.StartServer(t, mockserver.WithSeed(richSeed()))
	var mu sync.Mutex
	var requests []string
	rec := proxytest.Rewrite(t, srv.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		mu.Lock()
		defer mu.Unlock()
		requests = append(requests, in.Method+" "+in.Path)
	})
	res := glcontract(t, map[string]string{"GITLAB_URL": rec.URL, "GITLAB_TOKEN": "first-root-secret"},
		"inventory", "--all", "--seed", filepath.Join(t.TempDir(), "seed.json"))
	require.Equal(t, 1, res.code, res.stderr)
	mu.Lock()
	defer mu.Unlock()
	for _, r := range requests {
		require.True(t, strings.HasPrefix(r, http.MethodGet+" "), r)
	}
	for _, want := range []string{"GET /projects/infra%2Fweb/clusters/300", "GET /groups/infra%2Fteam/clusters/304", "GET /admin/clusters/306",
		"GET /groups/101/members/all", "GET /projects/204/members/all", "GET /users/8"} {
		require.Contains(t, requests, want)
	}
}
