package mockserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// visibilitySeed has a group and a project of each visibility (public 20, internal 21,
// private 22; projects 30, 31, 32, each in the group of the same visibility), a private
// subgroup 23 of 22, and the roles given in the groups, which their projects inherit.
func visibilitySeed() *mockserver.Seed {
	roles := []mockserver.SeedMember{{UserID: 2, Role: "owner"}, {UserID: 3, Role: "maintainer"},
		{UserID: 4, Role: "developer"}, {UserID: 5, Role: "reporter"}, {UserID: 6, Role: "guest"}}
	s := &mockserver.Seed{NextClusterID: 1}
	for i, name := range []string{"root", "owner", "maintainer", "developer", "reporter", "guest", "outsider"} {
		s.Users = append(s.Users, mockserver.SeedUser{ID: i + 1, Username: name, Name: strings.ToUpper(name[:1]) + name[1:], Admin: i == 0})
		s.Tokens = append(s.Tokens, mockserver.SeedToken{Token: name + "-token", UserID: i + 1, Scopes: []string{"api"}})
	}
	parent := 22
	for i, vis := range []string{"public", "internal", "private"} {
		s.Namespaces = append(s.Namespaces, mockserver.SeedNamespace{ID: 20 + i, Name: vis + " group", Path: vis[:4],
			Kind: "group", Visibility: vis, Members: roles})
		s.Projects = append(s.Projects, mockserver.SeedProject{ID: 30 + i, Name: vis + " project", Path: vis + "-project",
			NamespaceID: 20 + i, Visibility: vis, Members: []mockserver.SeedMember{}})
	}
	s.Namespaces = append(s.Namespaces, mockserver.SeedNamespace{ID: 23, Name: "sub", Path: "sub", Kind: "group",
		ParentID: &parent, Visibility: "private"})
	return s
}

var callers = []string{"guest", "reporter", "developer", "maintainer", "owner", "root", "outsider", ""}

// canRead is GitLab's visibility: public for anyone, internal for anyone signed in, private
// for members (any role, inherited from the group here) and admins.
func canRead(vis, caller string) bool {
	switch vis {
	case "public":
		return true
	case "internal":
		return caller != ""
	}
	return caller != "" && caller != "outsider"
}

func token(caller string) string {
	if caller == "" {
		return ""
	}
	return caller + "-token"
}

func callerName(caller string) string {
	if caller == "" {
		return "no token"
	}
	return caller
}

// TestReadVisibility: each route of the read API for each role, a non-member and no token,
// on a project and a group of each visibility.
func TestReadVisibility(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithSeed(visibilitySeed()))
	for i, vis := range []string{"public", "internal", "private"} {
		group, project := 20+i, 30+i
		for _, caller := range callers {
			t.Run(vis+"/"+callerName(caller), func(t *testing.T) {
				get := func(path string) response {
					return do(t, srv, request{method: "GET", path: path, token: token(caller)})
				}
				readable := canRead(vis, caller)
				member := caller != "" && caller != "outsider" && caller != "root"

				// GET /projects/:id, by id and by path.
				for _, path := range []string{fmt.Sprintf("/api/v4/projects/%d", project),
					"/api/v4/projects/" + vis[:4] + "%2F" + vis + "-project"} {
					got := get(path)
					if !readable {
						assert.Equal(t, 404, got.status, path)
						assert.JSONEq(t, `{"message":"404 Project Not Found"}`, string(got.body))
						continue
					}
					require.Equal(t, 200, got.status, path)
					p := got.json(t)
					assert.EqualValues(t, project, p["id"])
					if caller == "" { // ProjectDetails: no permissions, no visibility
						assert.NotContains(t, p, "permissions")
						assert.NotContains(t, p, "visibility")
						continue
					}
					assert.Equal(t, vis, p["visibility"])
					perms := p["permissions"].(map[string]any)
					assert.Nil(t, perms["project_access"], "no direct project membership")
					if member {
						assert.EqualValues(t, roleLevel[caller], perms["group_access"].(map[string]any)["access_level"])
					} else {
						assert.Nil(t, perms["group_access"])
					}
					_, admin := p["ci_default_git_depth"]
					assert.Equal(t, caller == "maintainer" || caller == "owner" || caller == "root", admin, "admin_project fields")
					_, code := p["default_branch"]
					assert.Equal(t, vis != "private" || caller != "guest", code, "read_code fields")
				}

				// GET /groups/:id, by id and by path.
				for _, path := range []string{fmt.Sprintf("/api/v4/groups/%d", group), "/api/v4/groups/" + strings.ToUpper(vis[:4])} {
					got := get(path)
					if !readable {
						assert.Equal(t, 404, got.status, path)
						assert.JSONEq(t, `{"message":"404 Group Not Found"}`, string(got.body))
						continue
					}
					require.Equal(t, 200, got.status, path)
					g := got.json(t)
					assert.EqualValues(t, group, g["id"])
					assert.Equal(t, vis, g["visibility"])
					assert.Len(t, g["projects"], 1)
				}

				// GET /groups/:id/projects.
				got := get(fmt.Sprintf("/api/v4/groups/%d/projects", group))
				if readable {
					require.Equal(t, 200, got.status)
					assert.Equal(t, []int{project}, ids(t, got))
				} else {
					assert.Equal(t, 404, got.status)
				}

				// GET /namespaces/:id: a token, then members and admins only, a public group too.
				got = get(fmt.Sprintf("/api/v4/namespaces/%d", group))
				switch {
				case caller == "":
					assert.Equal(t, 401, got.status)
				case member || caller == "root":
					require.Equal(t, 200, got.status)
					_, counts := got.json(t)["projects_count"]
					assert.Equal(t, caller == "owner" || caller == "root", counts, "admin_group counts")
				default:
					assert.Equal(t, 404, got.status)
					assert.JSONEq(t, `{"message":"404 Namespace Not Found"}`, string(got.body))
				}

				// Members: a token always, then the project or group must be readable.
				for _, path := range []string{fmt.Sprintf("/api/v4/projects/%d/members/all", project),
					fmt.Sprintf("/api/v4/groups/%d/members/all", group)} {
					got := get(path)
					switch {
					case caller == "":
						assert.Equal(t, 401, got.status, path)
					case readable:
						require.Equal(t, 200, got.status, path)
						assert.Equal(t, []int{2, 3, 4, 5, 6}, ids(t, got), path)
					default:
						assert.Equal(t, 404, got.status, path)
					}
				}

				// The lists hold what is readable.
				got = get("/api/v4/projects")
				require.Equal(t, 200, got.status)
				assert.Equal(t, readable, slices.Contains(ids(t, got), project), "GET /projects")
				got = get("/api/v4/groups")
				require.Equal(t, 200, got.status)
				listed := caller == "root" || member || caller == "" && vis == "public"
				assert.Equal(t, listed, slices.Contains(ids(t, got), group), "GET /groups (all_available false)")
				got = get("/api/v4/groups?all_available=true")
				require.Equal(t, 200, got.status)
				assert.Equal(t, listed || caller == "outsider" && vis != "private", slices.Contains(ids(t, got), group), "GET /groups?all_available=true")
			})
		}
	}
}

var roleLevel = map[string]int{"guest": 10, "reporter": 20, "developer": 30, "maintainer": 40, "owner": 50}

// ids are the ids of a list's items, in order.
func ids(t *testing.T, r response) []int {
	t.Helper()
	var out []int
	for _, item := range r.list(t) {
		out = append(out, int(item["id"].(float64)))
	}
	return out
}

// TestSubgroups: a member of the parent sees its private child; others get the parent's 404.
func TestSubgroups(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithSeed(visibilitySeed()))
	got := do(t, srv, request{method: "GET", path: "/api/v4/groups/22/subgroups", token: "guest-token"})
	require.Equal(t, 200, got.status)
	assert.Equal(t, []int{23}, ids(t, got))
	assert.Equal(t, "priv/sub", got.list(t)[0]["full_path"])
	got = do(t, srv, request{method: "GET", path: "/api/v4/groups/priv%2Fsub", token: "guest-token"})
	require.Equal(t, 200, got.status)
	assert.Equal(t, "private group / sub", got.json(t)["full_name"])
	for _, tok := range []string{"outsider-token", ""} {
		got = do(t, srv, request{method: "GET", path: "/api/v4/groups/22/subgroups", token: tok})
		assert.Equal(t, 404, got.status)
	}
	got = do(t, srv, request{method: "GET", path: "/api/v4/groups/20/subgroups"})
	require.Equal(t, 200, got.status)
	assert.Equal(t, "[]", string(got.body))
}

// TestReadLookups: by id, by URL-encoded full path (any case, the canonical path answered),
// go-gitlab's %2E escaping; a bare project path, an unencoded path, a missing id.
func TestReadLookups(t *testing.T) {
	seed := mockserver.DefaultSeed()
	seed.Projects = append(seed.Projects, mockserver.SeedProject{ID: 6, Name: "my.app", Path: "my.app", NamespaceID: 13,
		Visibility: "public", Members: []mockserver.SeedMember{}})
	srv := mocktest.Start(t, mockserver.WithSeed(seed))
	cases := []struct {
		path   string
		token  string
		status int
		id     int
	}{
		{"/api/v4/projects/1", "maintainer-token", 200, 1},
		{"/api/v4/projects/demo-group%2Fdemo", "maintainer-token", 200, 1},
		{"/api/v4/projects/Demo-Group%2FDEMO", "maintainer-token", 200, 1},
		{"/api/v4/projects/open-group%2Fmy%2Eapp", "", 200, 6}, // go-gitlab's PathEscape
		{"/api/v4/projects/platform%2Fcluster-management", "developer-token", 200, 5},
		{"/api/v4/projects/demo", "maintainer-token", 404, 0},
		{"/api/v4/projects/999", "maintainer-token", 404, 0},
		{"/api/v4/projects/4", "maintainer-token", 404, 0},
		{"/api/v4/projects/4", "root-token", 200, 4},
		{"/api/v4/groups/12", "guest-token", 200, 12},
		{"/api/v4/groups/platform", "maintainer-token", 200, 12},
		{"/api/v4/groups/PlatForm", "maintainer-token", 200, 12},
		{"/api/v4/groups/open-group", "", 200, 13},
		{"/api/v4/groups/demo-group", "", 200, 10},
		{"/api/v4/groups/elsewhere", "maintainer-token", 404, 0},
		{"/api/v4/groups/elsewhere", "root-token", 200, 11},
		{"/api/v4/groups/1", "root-token", 404, 0}, // a project's id is not a group's
		{"/api/v4/namespaces/platform", "guest-token", 200, 12},
		{"/api/v4/users/4", "outsider-token", 200, 4},
		{"/api/v4/users/999", "outsider-token", 404, 0},
	}
	for _, tc := range cases {
		t.Run(tc.path+" "+tc.token, func(t *testing.T) {
			got := do(t, srv, request{method: "GET", path: tc.path, token: tc.token})
			require.Equal(t, tc.status, got.status, string(got.body))
			if tc.status == 200 {
				assert.EqualValues(t, tc.id, got.json(t)["id"])
			}
		})
	}
	got := do(t, srv, request{method: "GET", path: "/api/v4/projects/Demo-Group%2FDEMO", token: "maintainer-token"})
	p := got.json(t)
	assert.Equal(t, "demo-group/demo", p["path_with_namespace"])
	assert.Equal(t, map[string]any{"project_access": map[string]any{"access_level": 40.0, "notification_level": 3.0}, "group_access": nil}, p["permissions"])
	got = do(t, srv, request{method: "GET", path: "/api/v4/projects/platform%2Fcluster-management", token: "developer-token"})
	assert.Equal(t, map[string]any{"project_access": nil, "group_access": map[string]any{"access_level": 30.0, "notification_level": 3.0}}, got.json(t)["permissions"])
}

// TestReadErrors: GitLab's error bodies, wrong tokens, parameters.
func TestReadErrors(t *testing.T) {
	runRules(t, []rulesCase{
		{"wrong token on a public project", request{method: "GET", path: "/api/v4/projects/3", token: "nope"}, 401, `{"message":"401 Unauthorized"}`},
		{"wrong token on the project list", request{method: "GET", path: "/api/v4/projects", token: "nope"}, 401, `{"message":"401 Unauthorized"}`},
		{"wrong token on a public group", request{method: "GET", path: "/api/v4/groups/13", token: "nope"}, 401, `{"message":"401 Unauthorized"}`},
		{"members without a token, public project", request{method: "GET", path: "/api/v4/projects/3/members/all"}, 401, `{"message":"401 Unauthorized"}`},
		{"namespace without a token, public group", request{method: "GET", path: "/api/v4/namespaces/13"}, 401, `{"message":"401 Unauthorized"}`},
		{"namespace, public group, non-member", request{method: "GET", path: "/api/v4/namespaces/13", token: "outsider-token"}, 404, `{"message":"404 Namespace Not Found"}`},
		{"user without a token", request{method: "GET", path: "/api/v4/users/1"}, 403, `{"message":"403 Forbidden - Not authorized!"}`},
		{"user by name", request{method: "GET", path: "/api/v4/users/root", token: "maintainer-token"}, 400, `{"error":"id is invalid"}`},
		{"push rule (CE)", request{method: "GET", path: "/api/v4/projects/1/push_rule", token: "maintainer-token"}, 404, `{"error":"404 Not Found"}`},
		{"push rule, developer", request{method: "GET", path: "/api/v4/projects/1/push_rule", token: "developer-token"}, 404, `{"error":"404 Not Found"}`},
		{"push rule, no project, wrong token", request{method: "GET", path: "/api/v4/projects/999/push_rule", token: "nope"}, 404, `{"error":"404 Not Found"}`},
		{"unencoded project path", request{method: "GET", path: "/api/v4/projects/demo-group/demo", token: "maintainer-token"}, 404, `{"error":"404 Not Found"}`},
		{"membership not a Boolean", request{method: "GET", path: "/api/v4/projects?membership=maybe", token: "maintainer-token"}, 400, `{"error":"membership is invalid"}`},
		{"order_by not allowed", request{method: "GET", path: "/api/v4/projects?order_by=size", token: "maintainer-token"}, 400, `{"error":"order_by does not have a valid value"}`},
		{"per_page 0", request{method: "GET", path: "/api/v4/groups?per_page=0"}, 400, `{"error":"per_page has a value not allowed"}`},
		{"validation before the lookup", request{method: "GET", path: "/api/v4/groups/999?with_projects=maybe", token: "root-token"}, 400, `{"error":"with_projects is invalid"}`},
	})
}

// TestReadLists: the default seed's lists as GitLab orders and filters them.
func TestReadLists(t *testing.T) {
	srv := mocktest.Start(t)
	cases := []struct {
		path, token string
		want        []int
	}{
		{"/api/v4/projects", "", []int{3}},
		{"/api/v4/projects?membership=true", "maintainer-token", []int{5, 3, 2, 1}},
		{"/api/v4/projects?membership=yes&order_by=id&sort=asc", "maintainer-token", []int{1, 2, 3, 5}},
		{"/api/v4/projects?membership=true", "outsider-token", nil},
		{"/api/v4/projects?membership=true", "", nil},
		{"/api/v4/projects", "outsider-token", []int{3}},
		{"/api/v4/projects", "root-token", []int{5, 4, 3, 2, 1}},
		{"/api/v4/projects?search=demo", "maintainer-token", []int{1}},
		{"/api/v4/projects?search=DEM", "maintainer-token", []int{1}},
		{"/api/v4/projects?search=de", "maintainer-token", nil}, // short: whole values only
		{"/api/v4/projects?owned=true", "owner-token", []int{5, 1}},
		{"/api/v4/projects?visibility=public", "root-token", []int{3}},
		{"/api/v4/projects?order_by=name&sort=asc", "maintainer-token", []int{5, 1, 2, 3}},
		{"/api/v4/groups", "", []int{13, 10}}, // by name: "Open Group" before "demo-group" (C collation)
		{"/api/v4/groups", "outsider-token", nil},
		{"/api/v4/groups?all_available=true", "outsider-token", []int{13, 10}},
		{"/api/v4/groups", "root-token", []int{13, 12, 10, 11}},
		{"/api/v4/groups?search=plat", "maintainer-token", []int{12}},
		{"/api/v4/groups?order_by=id&sort=desc", "root-token", []int{13, 12, 11, 10}},
		{"/api/v4/groups/10/projects", "", []int{3}},
		{"/api/v4/groups/10/projects", "maintainer-token", []int{3, 2, 1}},
		{"/api/v4/groups/demo-group/projects", "guest-token", []int{3, 1}},
		{"/api/v4/projects/1/members/all", "guest-token", []int{2, 3, 4, 5, 6}},
		{"/api/v4/projects/5/members/all", "guest-token", []int{2, 3, 4, 5, 6}},
		{"/api/v4/projects/1/members/all?query=mia", "guest-token", []int{3}},
		{"/api/v4/groups/13/members/all", "outsider-token", []int{3}},
	}
	for _, tc := range cases {
		t.Run(tc.path+" "+tc.token, func(t *testing.T) {
			got := do(t, srv, request{method: "GET", path: tc.path, token: tc.token})
			require.Equal(t, 200, got.status, string(got.body))
			assert.Equal(t, tc.want, ids(t, got))
		})
	}
	// Without a token or with simple=true: BasicProjectDetails.
	for _, rq := range []request{{method: "GET", path: "/api/v4/projects"}, {method: "GET", path: "/api/v4/projects?simple=true", token: "maintainer-token"}} {
		for _, p := range do(t, srv, rq).list(t) {
			assert.NotContains(t, p, "permissions")
			assert.NotContains(t, p, "_links")
		}
	}
	// Members carry the effective level: project 5's come from group 12.
	got := do(t, srv, request{method: "GET", path: "/api/v4/projects/5/members/all", token: "guest-token"})
	assert.EqualValues(t, 50, got.list(t)[0]["access_level"])
	assert.Equal(t, "owner", got.list(t)[0]["username"])
}

// TestReadPagination: the lists send GitLab's pagination headers and Link, as the clusters
// lists do.
func TestReadPagination(t *testing.T) {
	srv := mocktest.Start(t)
	got := do(t, srv, request{method: "GET", path: "/api/v4/projects?membership=true&per_page=3&page=1", token: "maintainer-token"})
	require.Equal(t, 200, got.status)
	assert.Equal(t, []int{5, 3, 2}, ids(t, got))
	h := got.header
	assert.Equal(t, "1", h.Get("X-Page"))
	assert.Equal(t, "3", h.Get("X-Per-Page"))
	assert.Equal(t, "2", h.Get("X-Next-Page"))
	assert.Equal(t, "", h.Get("X-Prev-Page"))
	assert.Equal(t, "4", h.Get("X-Total"))
	assert.Equal(t, "2", h.Get("X-Total-Pages"))
	base := srv.URL + "/api/v4/projects?membership=true&page="
	assert.Equal(t, `<`+base+`2&per_page=3>; rel="next", <`+base+`1&per_page=3>; rel="first", <`+base+`2&per_page=3>; rel="last"`, h.Get("Link"))
	got = do(t, srv, request{method: "GET", path: "/api/v4/projects?membership=true&per_page=3&page=2", token: "maintainer-token"})
	assert.Equal(t, []int{1}, ids(t, got))
	assert.Equal(t, "1", got.header.Get("X-Prev-Page"))

	got = do(t, srv, request{method: "GET", path: "/api/v4/groups/platform/members/all?per_page=2", token: "guest-token"})
	require.Equal(t, 200, got.status)
	assert.Equal(t, []int{2, 3}, ids(t, got))
	assert.Equal(t, "5", got.header.Get("X-Total"))
	assert.Contains(t, got.header.Get("Link"), srv.URL+"/api/v4/groups/platform/members/all?id=platform&page=2&per_page=2>; rel=\"next\"")
	for _, path := range []string{"/api/v4/groups", "/api/v4/groups/13/subgroups", "/api/v4/groups/13/projects"} {
		got = do(t, srv, request{method: "GET", path: path})
		require.Equal(t, 200, got.status, path)
		for _, k := range []string{"X-Page", "X-Per-Page", "X-Total", "X-Total-Pages", "Link"} {
			assert.NotEmpty(t, got.header.Get(k), "%s %s", path, k)
		}
	}
}

// TestReadWebURLs: web_url and the links come from --external-url, never from the request.
func TestReadWebURLs(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithExternalURL("https://git.corp.example/gitlab"))
	p := do(t, srv, request{method: "GET", path: "/api/v4/projects/1", token: "maintainer-token"}).json(t)
	assert.Equal(t, "https://git.corp.example/gitlab/demo-group/demo", p["web_url"])
	assert.Equal(t, "https://git.corp.example/gitlab/demo-group/demo.git", p["http_url_to_repo"])
	assert.Equal(t, "git@git.corp.example:demo-group/demo.git", p["ssh_url_to_repo"])
	assert.Equal(t, "https://git.corp.example/gitlab/api/v4/projects/1", p["_links"].(map[string]any)["self"])
	assert.Equal(t, "https://git.corp.example/gitlab/groups/demo-group", p["namespace"].(map[string]any)["web_url"])
	g := do(t, srv, request{method: "GET", path: "/api/v4/groups/12", token: "maintainer-token"}).json(t)
	assert.Equal(t, "https://git.corp.example/gitlab/groups/platform", g["web_url"])
	m := do(t, srv, request{method: "GET", path: "/api/v4/groups/12/members/all", token: "maintainer-token"}).list(t)
	assert.Equal(t, "https://git.corp.example/gitlab/owner", m[0]["web_url"])
}

// TestReadRoutesIgnoreTheFlag: with certificate_based_clusters off, the clusters routes are
// 404 and the read routes answer as before.
func TestReadRoutesIgnoreTheFlag(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithFeature(mockserver.FeatureCertificateBasedClusters, false))
	assert.Equal(t, 404, do(t, srv, request{method: "GET", path: "/api/v4/projects/1/clusters", token: "maintainer-token"}).status)
	for _, path := range []string{"/api/v4/projects/1", "/api/v4/projects", "/api/v4/groups/12", "/api/v4/groups",
		"/api/v4/groups/12/projects", "/api/v4/groups/12/subgroups", "/api/v4/namespaces/12", "/api/v4/projects/1/members/all",
		"/api/v4/groups/12/members/all", "/api/v4/users/3"} {
		assert.Equal(t, 200, do(t, srv, request{method: "GET", path: path, token: "maintainer-token"}).status, path)
	}
}

// TestReadFaultsAndJournal: a fault aimed at a read operation answers it, and the journal
// records the read routes with their operation and user.
func TestReadFaultsAndJournal(t *testing.T) {
	m, srv := mocktest.StartServer(t)
	_, err := m.AddFault(mockserver.Fault{Operation: mockserver.OpGetProject, Status: 503, Count: 1})
	require.NoError(t, err)
	got := do(t, srv, request{method: "GET", path: "/api/v4/projects/1", token: "maintainer-token"})
	assert.Equal(t, 503, got.status)
	got = do(t, srv, request{method: "GET", path: "/api/v4/projects/1", token: "maintainer-token"})
	assert.Equal(t, 200, got.status)
	do(t, srv, request{method: "GET", path: "/api/v4/groups/open-group"})
	do(t, srv, request{method: "GET", path: "/api/v4/projects/1/push_rule", token: "developer-token"})

	entries, err := m.Requests(mockserver.JournalFilter{Operation: mockserver.OpGetProject})
	require.NoError(t, err)
	require.Len(t, entries, 2)
	assert.Equal(t, []int{503, 200}, []int{entries[0].Status, entries[1].Status})
	assert.Equal(t, 3, entries[1].UserID)
	g, err := m.Requests(mockserver.JournalFilter{Operation: mockserver.OpGetGroup})
	require.NoError(t, err)
	require.Len(t, g, 1)
	assert.Equal(t, 0, g[0].UserID, "no token")
	pr, err := m.Requests(mockserver.JournalFilter{Operation: mockserver.OpPushRule})
	require.NoError(t, err)
	require.Len(t, pr, 1)
	assert.Equal(t, http.StatusNotFound, pr[0].Status)
	assert.Equal(t, 4, pr[0].UserID)
}

// TestReadAnswersHoldNoSecrets: no access token, cluster token or runners token in any answer.
func TestReadAnswersHoldNoSecrets(t *testing.T) {
	srv := mocktest.Start(t)
	for _, path := range []string{"/api/v4/projects/1", "/api/v4/projects", "/api/v4/groups/12", "/api/v4/groups",
		"/api/v4/groups/12/projects", "/api/v4/namespaces/12", "/api/v4/projects/1/members/all", "/api/v4/users/3"} {
		got := do(t, srv, request{method: "GET", path: path, token: "root-token"})
		require.Equal(t, 200, got.status, path)
		body := string(got.body)
		for _, secret := range []string{"-token", "runners_token", "seed-cluster"} {
			assert.NotContains(t, body, secret, path)
		}
		var v any
		require.NoError(t, json.Unmarshal(got.body, &v))
	}
}
