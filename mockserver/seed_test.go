package mockserver_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

func TestDefaultSeedIsTheDocumentedOne(t *testing.T) {
	s := mockserver.DefaultSeed()
	tokens := map[string]int{}
	for _, tok := range s.Tokens {
		tokens[tok.Token] = tok.UserID
	}
	assert.Equal(t, map[string]int{"root-token": 1, "owner-token": 2, "maintainer-token": 3, "developer-token": 4,
		"reporter-token": 5, "guest-token": 6, "outsider-token": 7, "readonly-token": 3}, tokens)
	require.Len(t, s.Clusters, 4)
	assert.Equal(t, 18, s.Clusters[0].ID)
	assert.Equal(t, 19, s.Clusters[1].ID)
	assert.Equal(t, 20, s.NextClusterID)

	// The additions, exactly.
	admin := "root"
	created := "2019-01-02T20:18:12.563Z"
	domain := "example.com"
	assert.Equal(t, mockserver.SeedCluster{ID: 16, ClusterType: "group_type", GroupID: 12, Name: "group-cluster-1", Domain: &domain,
		Enabled: true, Managed: true, ProviderType: "user", EnvironmentScope: "*", NamespacePerEnvironment: true, UserID: 1, CreatedAt: created,
		Platform: mockserver.SeedPlatform{APIURL: "https://104.197.68.154", Token: "seed-group-cluster-token", AuthorizationType: "rbac"}}, s.Clusters[2])
	assert.Equal(t, mockserver.SeedCluster{ID: 17, ClusterType: "instance_type", Name: "instance-cluster-1", Domain: &domain,
		Enabled: true, Managed: true, ProviderType: "user", EnvironmentScope: "*", NamespacePerEnvironment: true, UserID: 1, CreatedAt: created,
		Platform: mockserver.SeedPlatform{APIURL: "https://104.197.68.155", Token: "seed-instance-cluster-token", AuthorizationType: "rbac"}}, s.Clusters[3])
	assert.Equal(t, admin, s.Users[0].Username)
	assert.Equal(t, mockserver.SeedNamespace{ID: 12, Name: "Platform", Path: "platform", Kind: "group", Visibility: "private", Members: []mockserver.SeedMember{
		{UserID: 2, Role: "owner"}, {UserID: 3, Role: "maintainer"}, {UserID: 4, Role: "developer"}, {UserID: 5, Role: "reporter"}, {UserID: 6, Role: "guest"}}}, s.Namespaces[2])
	assert.Equal(t, mockserver.SeedNamespace{ID: 13, Name: "Open Group", Path: "open-group", Kind: "group", Visibility: "public",
		Members: []mockserver.SeedMember{{UserID: 3, Role: "maintainer"}}}, s.Namespaces[3])
	assert.Equal(t, mockserver.SeedProject{ID: 5, Name: "cluster-management", Path: "cluster-management", NamespaceID: 12, Visibility: "private",
		CreatedAt: "2019-01-02T20:13:32.600Z", Members: []mockserver.SeedMember{}}, s.Projects[4])
}

// TestOldSeedLoads: a seed written before groups had members and clusters had types loads,
// every cluster a project cluster, and exports without the new keys.
func TestOldSeedLoads(t *testing.T) {
	old := `{"users":[{"id":1,"username":"root","name":"Administrator","admin":true},{"id":2,"username":"m","name":"M"}],
"tokens":[{"token":"t","user_id":2,"scopes":["api"]}],
"namespaces":[{"id":1,"name":"g","path":"g","kind":"group"}],
"projects":[{"id":1,"name":"p","path":"p","namespace_id":1,"visibility":"private","members":[{"user_id":2,"role":"maintainer"}]}],
"clusters":[{"id":7,"project_id":1,"name":"c","enabled":true,"managed":true,"environment_scope":"*","namespace_per_environment":true,
 "user_id":1,"created_at":"2019-01-02T20:18:12.563Z","platform_kubernetes":{"api_url":"https://k.example.com","token":"k"}}]}`
	seed, err := mockserver.ParseSeed([]byte(old))
	require.NoError(t, err)
	s, srv := mocktest.StartServer(t, mockserver.WithSeed(seed))
	got := do(t, srv, request{method: "GET", path: "/api/v4/projects/g%2Fp/clusters/7", token: "t"})
	require.Equal(t, 200, got.status, string(got.body))
	assert.Equal(t, "project_type", got.json(t)["cluster_type"])
	assert.Equal(t, 8, s.Export().NextClusterID)
	exported := string(s.Export().JSON())
	assert.NotContains(t, exported, "cluster_type")
	assert.NotContains(t, exported, "group_id")
	// The group has no members: the project's maintainer only reads it through the project.
	assert.Equal(t, 403, do(t, srv, request{method: "GET", path: "/api/v4/groups/g/clusters", token: "t"}).status)
}

// TestExportCarriesGroupsAndTypes: an export holds group visibility and members and the
// cluster types, and loads again into the same answers.
func TestExportCarriesGroupsAndTypes(t *testing.T) {
	fixedURL := mockserver.WithExternalURL("https://gitlab.example.com")
	s, srv := mocktest.StartServer(t, fixedURL)
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addGroupCluster, token: "maintainer-token", body: validBody("g", "g")}).status)
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addInstanceCluster, token: "root-token", body: validBody("i", "i")}).status)
	exported := s.Export()
	loaded, err := mockserver.ParseSeed(exported.JSON())
	require.NoError(t, err)
	assert.Equal(t, exported, loaded)
	again := mocktest.Start(t, mockserver.WithSeed(loaded), fixedURL)
	for _, p := range []struct{ path, token string }{
		{"/api/v4/groups/12/clusters/20", "developer-token"}, {"/api/v4/admin/clusters/21", "root-token"},
		{groupClusters, "developer-token"}, {instanceClusters, "root-token"}, {"/api/v4/projects/5/clusters", "developer-token"},
		{"/api/v4/groups/13/clusters", "outsider-token"}, {discover + "?group_id=12", "guest-token"},
	} {
		a := do(t, srv, request{method: "GET", path: p.path, token: p.token})
		b := do(t, again, request{method: "GET", path: p.path, token: p.token})
		assert.Equal(t, a.status, b.status, p.path)
		assert.JSONEq(t, string(a.body), string(b.body), p.path)
	}
	assert.EqualValues(t, 22, do(t, again, request{method: "POST", path: addInstanceCluster, token: "root-token", body: validBody("j", "j")}).json(t)["id"])
}

func TestLoadSeedYAML(t *testing.T) {
	seed, err := mockserver.LoadSeed(filepath.Join("..", "fixtures", "seed", "small.yaml"))
	require.NoError(t, err)
	srv := mocktest.Start(t, mockserver.WithSeed(seed))
	got := do(t, srv, request{method: "POST", path: "/api/v4/projects/platform%2Finfra/clusters/user", token: "ops-token", body: validBody("first", "*")})
	require.Equal(t, 201, got.status, string(got.body))
	assert.EqualValues(t, 1, got.json(t)["id"])
	assert.Equal(t, 401, do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).status, "the default tokens are gone")
}

func TestExportLoadsAgain(t *testing.T) {
	fixedURL := mockserver.WithExternalURL("https://gitlab.example.com")
	s, srv := mocktest.StartServer(t, fixedURL)
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token",
		body: `{"name":"e","environment_scope":"e","domain":"e.example.com","management_project_id":2,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","namespace":"ns"}}`}).status)
	path := filepath.Join(t.TempDir(), "export.json")
	require.NoError(t, os.WriteFile(path, s.Export().JSON(), 0o600))
	loaded, err := mockserver.LoadSeed(path)
	require.NoError(t, err)
	again := mocktest.Start(t, mockserver.WithSeed(loaded), fixedURL)
	for _, p := range []string{cluster18, "/api/v4/projects/1/clusters/20"} {
		a := do(t, srv, request{method: "GET", path: p, token: "maintainer-token"})
		b := do(t, again, request{method: "GET", path: p, token: "maintainer-token"})
		assert.JSONEq(t, string(a.body), string(b.body), p)
	}
}

func TestSeedErrors(t *testing.T) {
	cases := map[string]string{
		`{"users":[{"id":1,"username":"a"},{"id":1,"username":"b"}]}`:                                                                        "users[1].id",
		`{"users":[{"id":1,"username":"a"}],"tokens":[{"token":"t","user_id":2,"scopes":["api"]}]}`:                                          "tokens[0].user_id",
		`{"users":[{"id":1,"username":"a"}],"tokens":[{"token":"t","user_id":1,"scopes":["admin"]}]}`:                                        "tokens[0].scopes",
		`{"namespaces":[{"id":1,"name":"a","path":"a/b"}]}`:                                                                                  "namespaces[0].path",
		`{"namespaces":[{"id":1,"name":"a","path":"a"}],"projects":[{"id":1,"name":"p","path":"p","namespace_id":1,"visibility":"secret"}]}`: "projects[0].visibility",
		`{"clusters":[{"id":1,"project_id":1}]}`:                                                                                             "clusters[0].project_id",
		"users: [":                                                                                                                           "yaml",
	}
	for raw, where := range cases {
		_, err := mockserver.ParseSeed([]byte(raw))
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), where)
	}
}

// TestSeedCheckEveryRule: each rule of the seed check, from a valid seed with one mistake,
// gives its message and place, through New (WithSeed) as through ParseSeed and Reset.
func TestSeedCheckEveryRule(t *testing.T) {
	zero, nine := 0, 99
	cases := []struct {
		want   string
		change func(s *mockserver.Seed)
	}{
		{"seed: users[0].id: must be a positive, unique id", func(s *mockserver.Seed) { s.Users[0].ID = 0 }},
		{"seed: users[1].id: must be a positive, unique id", func(s *mockserver.Seed) { s.Users[1].ID = s.Users[0].ID }},
		{"seed: users[2].username: is missing", func(s *mockserver.Seed) { s.Users[2].Username = " " }},
		{"seed: tokens[1].token: must be non-empty and unique", func(s *mockserver.Seed) { s.Tokens[1].Token = s.Tokens[0].Token }},
		{"seed: tokens[0].token: must be non-empty and unique", func(s *mockserver.Seed) { s.Tokens[0].Token = "" }},
		{"seed: tokens[0].user_id: no user 99", func(s *mockserver.Seed) { s.Tokens[0].UserID = 99 }},
		{`seed: tokens[0].scopes: unknown scope "write" (api, read_api, sudo)`, func(s *mockserver.Seed) { s.Tokens[0].Scopes = []string{"write"} }},
		{"seed: namespaces[1].id: must be a positive, unique id", func(s *mockserver.Seed) { s.Namespaces[1].ID = s.Namespaces[0].ID }},
		{"seed: namespaces[0].path: must be one non-empty path segment", func(s *mockserver.Seed) { s.Namespaces[0].Path = "" }},
		{"seed: namespaces[0].kind: must be group or user", func(s *mockserver.Seed) { s.Namespaces[0].Kind = "team" }},
		{"seed: projects[0].id: must be a positive, unique id", func(s *mockserver.Seed) { s.Projects[0].ID = -1 }},
		{"seed: projects[0].path: must be one non-empty path segment", func(s *mockserver.Seed) { s.Projects[0].Path = "a/b" }},
		{"seed: projects[0].namespace_id: no namespace 99", func(s *mockserver.Seed) { s.Projects[0].NamespaceID = 99 }},
		{"seed: projects[1].path: duplicates another project's path", func(s *mockserver.Seed) { s.Projects[1].Path = "DEMO" }},
		{"seed: projects[0].visibility: must be private, internal or public", func(s *mockserver.Seed) { s.Projects[0].Visibility = "" }},
		{"seed: projects[0].created_at: must be RFC 3339", func(s *mockserver.Seed) { s.Projects[0].CreatedAt = "2020-01-01" }},
		{"seed: projects[0].members[0].user_id: no user 99", func(s *mockserver.Seed) { s.Projects[0].Members[0].UserID = 99 }},
		{"seed: projects[0].members[0].role: must be guest, reporter, developer, maintainer or owner", func(s *mockserver.Seed) { s.Projects[0].Members[0].Role = "admin" }},
		{"seed: clusters[1].id: must be a positive, unique id", func(s *mockserver.Seed) { s.Clusters[1].ID = s.Clusters[0].ID }},
		{"seed: clusters[0].project_id: no project 99", func(s *mockserver.Seed) { s.Clusters[0].ProjectID = 99 }},
		{"seed: clusters[0].user_id: no user 99", func(s *mockserver.Seed) { s.Clusters[0].UserID = 99 }},
		{"seed: clusters[0].management_project_id: no project 99", func(s *mockserver.Seed) { s.Clusters[0].ManagementProjectID = &nine }},
		{"seed: clusters[0].management_project_id: no project 0", func(s *mockserver.Seed) { s.Clusters[0].ManagementProjectID = &zero }},
		{"seed: clusters[0].created_at: must be RFC 3339", func(s *mockserver.Seed) { s.Clusters[0].CreatedAt = "" }},
		{"seed: clusters[0].updated_at: must be RFC 3339", func(s *mockserver.Seed) { s.Clusters[0].UpdatedAt = "yesterday" }},
		{"seed: clusters[0].provider_type: must be user, gcp or aws", func(s *mockserver.Seed) { s.Clusters[0].ProviderType = "azure" }},
		{"seed: clusters[0].platform_kubernetes.authorization_type: must be rbac, abac or unknown_authorization", func(s *mockserver.Seed) { s.Clusters[0].Platform.AuthorizationType = "none" }},
		{"seed: clusters[1].environment_scope: duplicates another cluster's scope in its project, group or instance", func(s *mockserver.Seed) {
			s.Clusters[1].ProjectID, s.Clusters[1].EnvironmentScope = s.Clusters[0].ProjectID, s.Clusters[0].EnvironmentScope
		}},
		{"seed: next_cluster_id: must be above the highest cluster id 19", func(s *mockserver.Seed) { s.NextClusterID = 19 }},
		{"seed: namespaces[2].visibility: must be private, internal or public", func(s *mockserver.Seed) { s.Namespaces[2].Visibility = "hidden" }},
		{"seed: namespaces[2].members[0].user_id: no user 99", func(s *mockserver.Seed) { s.Namespaces[2].Members[0].UserID = 99 }},
		{"seed: namespaces[3].members[0].role: must be guest, reporter, developer, maintainer or owner", func(s *mockserver.Seed) { s.Namespaces[3].Members[0].Role = "admin" }},
		{"seed: namespaces[0].parent_id: no group 99", func(s *mockserver.Seed) { s.Namespaces[0].ParentID = &nine }},
		{"seed: namespaces[0].parent_id: makes the group its own ancestor", func(s *mockserver.Seed) {
			a, b := s.Namespaces[0].ID, s.Namespaces[1].ID
			s.Namespaces[0].ParentID, s.Namespaces[1].ParentID = &b, &a
		}},
		{"seed: namespaces[1].path: duplicates another namespace's path", func(s *mockserver.Seed) { s.Namespaces[1].Path = "Demo-Group" }},
		{"seed: namespaces[3]: a user namespace has no visibility, members or parent", func(s *mockserver.Seed) { s.Namespaces[3].Kind = "user" }},
		// GitLab refuses a project more visible than its group and a subgroup more visible than
		// its parent; the default seed before issue 20 (group 10 private) is refused so.
		{"seed: projects[2].visibility: public is more visible than its group 10 (private): GitLab does not allow it", func(s *mockserver.Seed) { s.Namespaces[0].Visibility = "" }},
		{"seed: projects[3].visibility: internal is more visible than its group 11 (private): GitLab does not allow it", func(s *mockserver.Seed) { s.Projects[3].Visibility = "internal" }},
		{"seed: namespaces[3].visibility: public is more visible than its parent group 12 (private): GitLab does not allow it", func(s *mockserver.Seed) {
			twelve := 12
			s.Namespaces[3].ParentID = &twelve
		}},
		{"seed: namespaces[3].visibility: internal is more visible than its parent group 10 (private): GitLab does not allow it", func(s *mockserver.Seed) {
			ten := 10
			s.Namespaces[0].Visibility, s.Projects[2].Visibility = "private", "private"
			s.Namespaces[3].ParentID, s.Namespaces[3].Visibility = &ten, "internal"
		}},
		{"seed: clusters[0].cluster_type: must be project_type, group_type or instance_type", func(s *mockserver.Seed) { s.Clusters[0].ClusterType = "team_type" }},
		{"seed: clusters[0].group_id: only for a group_type cluster", func(s *mockserver.Seed) { s.Clusters[0].GroupID = 12 }},
		{"seed: clusters[2].group_id: no group 99", func(s *mockserver.Seed) { s.Clusters[2].GroupID = 99 }},
		{"seed: clusters[2].project_id: only for a project_type cluster", func(s *mockserver.Seed) { s.Clusters[2].ProjectID = 1 }},
		{"seed: clusters[3]: an instance_type cluster has no project_id or group_id", func(s *mockserver.Seed) { s.Clusters[3].GroupID = 12 }},
		{"seed: clusters[3].environment_scope: duplicates another cluster's scope in its project, group or instance", func(s *mockserver.Seed) {
			s.Clusters[3].ClusterType, s.Clusters[3].GroupID = "group_type", 12
		}},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			seed := mockserver.DefaultSeed()
			tc.change(seed)
			_, err := mockserver.New(mockserver.WithSeed(seed))
			var se *mockserver.SeedError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.want, err.Error())
			_, err = mockserver.ParseSeed(seed.JSON())
			assert.EqualError(t, err, tc.want, "ParseSeed")
			s, err := mockserver.New()
			require.NoError(t, err)
			assert.EqualError(t, s.Reset(seed), tc.want, "Reset")
		})
	}
	seed := mockserver.DefaultSeed()
	seed.NextClusterID = 0
	s, err := mockserver.New(mockserver.WithSeed(seed))
	require.NoError(t, err, "next_cluster_id may be left out")
	assert.Equal(t, 20, s.Export().NextClusterID, "one above the highest cluster id")
}

// twoStarClustersInProjectOne is issue 18's seed: cluster 18 says cluster_type project_type,
// and cluster 20, in the same project with the same scope "*", leaves cluster_type out (which
// means project_type). Project 1 would hold two "*" clusters.
func twoStarClustersInProjectOne() *mockserver.Seed {
	s := mockserver.DefaultSeed()
	s.Clusters[0].ClusterType = "project_type"
	s.Clusters = append(s.Clusters, mockserver.SeedCluster{ID: 20, ProjectID: 1, Name: "cluster-3", EnvironmentScope: "*",
		UserID: 1, CreatedAt: "2024-01-01T00:00:00Z", Platform: mockserver.SeedPlatform{APIURL: "https://k.example.com", Token: "k"}})
	s.NextClusterID = 21
	return s
}

const twoStarClustersError = "seed: clusters[4].environment_scope: duplicates another cluster's scope in its project, group or instance"

// TestSeedTwoStarClustersRefused (issue 18): one project_type cluster and one without a
// cluster_type in the same project with the same scope are refused through each way a seed
// comes in: New (WithSeed), ParseSeed, Reset, PUT /-/mock/state (the control API's 400,
// nothing changed, the state file included) and a state file at start.
func TestSeedTwoStarClustersRefused(t *testing.T) {
	_, err := mockserver.New(mockserver.WithSeed(twoStarClustersInProjectOne()))
	var se *mockserver.SeedError
	require.ErrorAs(t, err, &se, "New")
	assert.EqualError(t, err, twoStarClustersError)
	raw := twoStarClustersInProjectOne().JSON()
	_, err = mockserver.ParseSeed(raw)
	assert.EqualError(t, err, twoStarClustersError, "ParseSeed")

	path := filepath.Join(t.TempDir(), "state.json")
	s, srv := mocktest.StartServer(t, mockserver.WithStateFile(path))
	assert.EqualError(t, s.Reset(twoStarClustersInProjectOne()), twoStarClustersError, "Reset")
	before := string(s.Export().JSON())
	onDisk, err := os.ReadFile(path)
	require.NoError(t, err)
	got := do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(raw)})
	assert.Equal(t, 400, got.status)
	assert.JSONEq(t, `{"message":"`+twoStarClustersError+`"}`, string(got.body))
	loadControlDoc(t).check(t, "PUT", "/state", nil, got)
	assert.Equal(t, before, string(s.Export().JSON()), "the state is unchanged")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(onDisk), string(after), "the state file is unchanged")

	// A state file holding it (written by a mock before the fix) is refused at start, untouched.
	bad := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(bad, raw, 0o600))
	_, err = mockserver.New(mockserver.WithStateFile(bad))
	var sfe *mockserver.StateFileError
	require.ErrorAs(t, err, &sfe, "a state file at start")
	assert.ErrorContains(t, err, twoStarClustersError)
	kept, err := os.ReadFile(bad)
	require.NoError(t, err)
	assert.Equal(t, string(raw), string(kept))
}

// TestSeedMetadataKept: a seed's metadata (an inventory's seed says where it came from and
// what it could not read) is kept by the mock: in Export, GET /-/mock/state and the state file
// across a restart.
func TestSeedMetadataKept(t *testing.T) {
	seed := mockserver.DefaultSeed()
	seed.Metadata = map[string]any{"source": map[string]any{"url": "https://gitlab.example.com"}, "unreadable": []any{"project 9"}}
	path := filepath.Join(t.TempDir(), "state.json")
	s, srv := mocktest.StartServer(t, mockserver.WithSeed(seed), mockserver.WithStateFile(path))
	want := `{"source":{"url":"https://gitlab.example.com"},"unreadable":["project 9"]}`
	meta := func(m map[string]any) string {
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return string(b)
	}
	assert.JSONEq(t, want, meta(s.Export().Metadata), "Export")
	got := do(t, srv, request{method: "GET", path: "/-/mock/state", token: "root-token"})
	require.Equal(t, 200, got.status)
	assert.JSONEq(t, want, meta(got.json(t)["metadata"].(map[string]any)), "GET /-/mock/state")
	restarted, err := mockserver.New(mockserver.WithStateFile(path))
	require.NoError(t, err)
	assert.JSONEq(t, want, meta(restarted.Export().Metadata), "the state file, after a restart")
}
