package mockserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// controlDoc checks control API responses against control.yaml.
type controlDoc struct{ doc *openapi3.T }

func loadControlDoc(t *testing.T) controlDoc {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("control.yaml")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return controlDoc{doc}
}

// check validates one control response against its documented operation.
func (c controlDoc) check(t *testing.T, method, template string, params map[string]string, got response) {
	t.Helper()
	item := c.doc.Paths.Find(template)
	require.NotNil(t, item, template)
	op := item.GetOperation(method)
	require.NotNil(t, op, method+" "+template)
	req := httptest.NewRequest(method, "/-/mock"+template, nil)
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
			Route: &routers.Route{Spec: c.doc, Path: template, PathItem: item, Method: method, Operation: op}, Options: opts},
		Status: got.status, Header: got.header, Body: io.NopCloser(bytes.NewReader(got.body)), Options: opts,
	}
	assert.NoError(t, openapi3filter.ValidateResponse(context.Background(), in), "%s %s -> %d %s", method, template, got.status, got.body)
}

func TestControlNeedsAdmin(t *testing.T) {
	srv := mocktest.Start(t)
	doc := loadControlDoc(t)
	got := do(t, srv, request{method: "POST", path: "/-/mock/reset"})
	assert.Equal(t, 401, got.status)
	doc.check(t, "POST", "/reset", nil, got)
	got = do(t, srv, request{method: "POST", path: "/-/mock/reset", token: "maintainer-token"})
	assert.Equal(t, 403, got.status)
	doc.check(t, "POST", "/reset", nil, got)
}

func TestControlResetExportLoad(t *testing.T) {
	srv := mocktest.Start(t)
	doc := loadControlDoc(t)
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("x", "x")}).status)

	got := do(t, srv, request{method: "GET", path: "/-/mock/state", token: "root-token"})
	require.Equal(t, 200, got.status)
	doc.check(t, "GET", "/state", nil, got)
	assert.Contains(t, string(got.body), `"name": "x"`)
	assert.NotContains(t, string(got.body), "secret-k8s-token", "cluster tokens are redacted by default")
	assert.NotContains(t, string(got.body), "maintainer-token", "access tokens too")
	_, err := mockserver.ParseSeed(got.body)
	assert.NoError(t, err, "a redacted export still parses (PUT /state refuses it: TestLoadRedactedExportRefused)")
	withSecrets := do(t, srv, request{method: "GET", path: "/-/mock/state?secrets=true", token: "root-token"})
	assert.Contains(t, string(withSecrets.body), "secret-k8s-token")

	got = do(t, srv, request{method: "POST", path: "/-/mock/reset", token: "root-token"})
	assert.Equal(t, 204, got.status)
	doc.check(t, "POST", "/reset", nil, got)
	assert.Len(t, do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).list(t), 1, "back to the seed")

	// Load the exported state again: the cluster is back, with its id and token.
	got = do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(withSecrets.body)})
	assert.Equal(t, 204, got.status, string(got.body))
	list := do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).list(t)
	require.Len(t, list, 2)
	assert.EqualValues(t, 20, list[1]["id"])
	next := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("y", "y")}).json(t)
	assert.EqualValues(t, 21, next["id"], "the id sequence is part of the state")

	// A bad seed is refused and changes nothing.
	got = do(t, srv, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: `{"users":[{"id":1}]}`})
	assert.Equal(t, 400, got.status)
	doc.check(t, "PUT", "/state", nil, got)
	assert.Contains(t, string(got.body), "users[0].username")
	assert.Len(t, do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).list(t), 3)
}

func TestControlFeatures(t *testing.T) {
	srv := mocktest.Start(t)
	doc := loadControlDoc(t)
	got := do(t, srv, request{method: "PUT", path: "/-/mock/features/certificate_based_clusters", token: "root-token", body: `{"enabled":false}`})
	require.Equal(t, 200, got.status)
	doc.check(t, "PUT", "/features/{name}", map[string]string{"name": "certificate_based_clusters"}, got)
	assert.JSONEq(t, `{"certificate_based_clusters":false}`, string(got.body))
	assert.JSONEq(t, `{"message":"404 Not Found"}`, string(do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).body))
	got = do(t, srv, request{method: "PUT", path: "/-/mock/features/certificate_based_clusters", token: "root-token", body: `{"on":1}`})
	assert.Equal(t, 400, got.status)
	do(t, srv, request{method: "PUT", path: "/-/mock/features/certificate_based_clusters", token: "root-token", body: `{"enabled":true}`})
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).status)
	got = do(t, srv, request{method: "GET", path: "/-/mock/features", token: "root-token"})
	doc.check(t, "GET", "/features", nil, got)
}

func TestControlJournal(t *testing.T) {
	srv := mocktest.Start(t)
	doc := loadControlDoc(t)
	do(t, srv, request{method: "GET", path: clusters + "?private_token=maintainer-token"})
	do(t, srv, request{method: "GET", path: clusters, token: "developer-token"})
	do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("j", "j")})
	do(t, srv, request{method: "GET", path: "/api/v4/nowhere", token: "maintainer-token"})

	got := do(t, srv, request{method: "GET", path: "/-/mock/requests?operation=getApiV4ProjectsIdClusters", token: "root-token"})
	require.Equal(t, 200, got.status)
	doc.check(t, "GET", "/requests", nil, got)
	var j struct {
		Count    int                       `json:"count"`
		Requests []mockserver.JournalEntry `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(got.body, &j))
	assert.Equal(t, 2, j.Count, "this call was made twice")
	assert.Equal(t, 3, j.Requests[0].UserID)
	assert.Equal(t, 4, j.Requests[1].UserID)
	for _, secret := range []string{"maintainer-token", "developer-token", "secret-k8s-token", "private_token"} {
		assert.NotContains(t, string(got.body), secret)
	}
	all := do(t, srv, request{method: "GET", path: "/-/mock/requests", token: "root-token"})
	assert.NotContains(t, string(all.body), "secret-k8s-token", "no body secrets")
	assert.Contains(t, string(all.body), `"path":"/api/v4/nowhere","status":404`)
	got = do(t, srv, request{method: "GET", path: "/-/mock/requests?method=post&status=201", token: "root-token"})
	require.NoError(t, json.Unmarshal(got.body, &j))
	assert.Equal(t, 1, j.Count)
	assert.Equal(t, 400, do(t, srv, request{method: "GET", path: "/-/mock/requests?status=x", token: "root-token"}).status)

	assert.Equal(t, 204, do(t, srv, request{method: "DELETE", path: "/-/mock/requests", token: "root-token"}).status)
	got = do(t, srv, request{method: "GET", path: "/-/mock/requests?operation=getApiV4ProjectsIdClusters", token: "root-token"})
	require.NoError(t, json.Unmarshal(got.body, &j))
	assert.Equal(t, 0, j.Count)
}

func TestControlFaults(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	doc := loadControlDoc(t)
	before := string(s.Export().JSON())

	got := do(t, srv, request{method: "POST", path: "/-/mock/faults", token: "root-token",
		body: `{"operation":"postApiV4ProjectsIdClustersUser","status":429,"retry_after":3,"count":2}`})
	require.Equal(t, 201, got.status, string(got.body))
	doc.check(t, "POST", "/faults", nil, got)

	for i := 0; i < 2; i++ {
		got = do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("f", "f")})
		assert.Equal(t, 429, got.status)
		assert.Equal(t, "3", got.header.Get("Retry-After"))
		assert.Equal(t, "0", got.header.Get("RateLimit-Remaining"))
		assert.NotEmpty(t, got.header.Get("RateLimit-Reset"))
		assert.Equal(t, "Retry later\n", string(got.body))
	}
	assert.Equal(t, before, string(s.Export().JSON()), "faults never change stored state")
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).status, "other routes unaffected")
	assert.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("f", "f")}).status, "the fault is used up")

	// A time window, by method and path prefix, with a 503.
	got = do(t, srv, request{method: "POST", path: "/-/mock/faults", token: "root-token",
		body: `{"method":"GET","path":"/api/v4/projects/1/clusters","status":503,"retry_after":4,"duration":"1m"}`})
	require.Equal(t, 201, got.status, string(got.body))
	id := got.json(t)["id"]
	for i := 0; i < 3; i++ {
		got = do(t, srv, request{method: "GET", path: cluster18, token: "maintainer-token"})
		assert.Equal(t, 503, got.status)
		assert.Equal(t, "4", got.header.Get("Retry-After"))
		assert.JSONEq(t, `{"message":"503 Service Unavailable"}`, string(got.body))
	}
	got = do(t, srv, request{method: "GET", path: "/-/mock/faults", token: "root-token"})
	doc.check(t, "GET", "/faults", nil, got)
	assert.Contains(t, string(got.body), `"until"`)
	got = do(t, srv, request{method: "DELETE", path: "/-/mock/faults/" + jsonNumber(id), token: "root-token"})
	assert.Equal(t, 204, got.status)
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: cluster18, token: "maintainer-token"}).status)
	assert.Equal(t, 404, do(t, srv, request{method: "DELETE", path: "/-/mock/faults/999", token: "root-token"}).status)

	// A delay, then the normal answer.
	do(t, srv, request{method: "POST", path: "/-/mock/faults", token: "root-token", body: `{"operation":"getApiV4Version","delay":"150ms","count":1}`})
	start := time.Now()
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: "/api/v4/version", token: "maintainer-token"}).status)
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	// A dropped connection.
	do(t, srv, request{method: "POST", path: "/-/mock/faults", token: "root-token", body: `{"operation":"getApiV4Version","drop":true,"count":1}`})
	req, _ := http.NewRequest("GET", srv.URL+"/api/v4/version", nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // a reused connection would be retried
	_, err := fresh.Do(req)
	assert.Error(t, err, "the connection is closed without an answer")

	// Bad fault requests.
	for _, body := range []string{`{"status":418,"count":1}`, `{"status":500}`, `{"operation":"nope","status":500,"count":1}`, `{"count":1}`, `{"bogus":1}`, `{"delay":"1h","count":1}`} {
		got = do(t, srv, request{method: "POST", path: "/-/mock/faults", token: "root-token", body: body})
		assert.Equal(t, 400, got.status, body)
		doc.check(t, "POST", "/faults", nil, got)
	}
	got = do(t, srv, request{method: "DELETE", path: "/-/mock/faults", token: "root-token"})
	assert.Equal(t, 204, got.status)
	journal := do(t, srv, request{method: "GET", path: "/-/mock/requests?status=429", token: "root-token"})
	assert.Contains(t, string(journal.body), `"fault":true`)
}

func jsonNumber(v any) string {
	out, _ := json.Marshal(v)
	return strings.TrimSpace(string(out))
}

func TestJournalKeepsEscapedPaths(t *testing.T) {
	srv := mocktest.Start(t)
	do(t, srv, request{method: "GET", path: "/api/v4/projects/demo-group%2Fdemo/clusters", token: "maintainer-token"})
	got := do(t, srv, request{method: "GET", path: "/-/mock/requests?path=" + url.QueryEscape("/api/v4/projects/demo-group%2Fdemo/clusters"), token: "root-token"})
	assert.Contains(t, string(got.body), `"count":1`)
	assert.Contains(t, string(got.body), `"path":"/api/v4/projects/demo-group%2Fdemo/clusters"`)
}

// TestControlReadOnlyAdmin: an admin token with only read_api may read the redacted state,
// the journal, flags and faults; secrets and every write need the api scope.
func TestControlReadOnlyAdmin(t *testing.T) {
	seed := mockserver.DefaultSeed()
	seed.Tokens = append(seed.Tokens, mockserver.SeedToken{Token: "admin-read-token", UserID: 1, Scopes: []string{"read_api"}})
	file := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(file, seed.JSON(), 0o600))
	loaded, err := mockserver.LoadSeed(file)
	require.NoError(t, err)
	srv := mocktest.Start(t, mockserver.WithSeed(loaded))

	for _, path := range []string{"/-/mock/state", "/-/mock/requests", "/-/mock/features", "/-/mock/faults"} {
		got := do(t, srv, request{method: "GET", path: path, token: "admin-read-token"})
		assert.Equal(t, 200, got.status, path)
		assert.NotContains(t, string(got.body), "secret-k8s-token", path)
	}
	writes := []request{
		{method: "GET", path: "/-/mock/state?secrets=true"},
		{method: "POST", path: "/-/mock/reset"},
		{method: "PUT", path: "/-/mock/state", body: string(seed.JSON())},
		{method: "PUT", path: "/-/mock/features/certificate_based_clusters", body: `{"enabled":false}`},
		{method: "DELETE", path: "/-/mock/requests"},
		{method: "POST", path: "/-/mock/faults", body: `{"status":503,"count":1}`},
		{method: "DELETE", path: "/-/mock/faults"},
		{method: "DELETE", path: "/-/mock/faults/1"},
	}
	for _, rq := range writes {
		rq.token = "admin-read-token"
		got := do(t, srv, rq)
		assert.Equal(t, 403, got.status, rq.method+" "+rq.path)
		assert.Contains(t, string(got.body), "insufficient_scope", rq.method+" "+rq.path)
		assert.NotContains(t, string(got.body), "secret-k8s-token")
	}
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).status, "nothing was switched off")
}

// TestControlResetClearsJournalAndFaults: POST /-/mock/reset goes back to the start (state,
// journal, faults), unless ?keep= names what to keep.
func TestControlResetClearsJournalAndFaults(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	setup := func() {
		do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"})
		_, err := s.AddFault(mockserver.Fault{Path: "/api/v4/nowhere", Status: 503, Count: 1})
		require.NoError(t, err)
	}
	cases := []struct {
		query                   string
		keepJournal, keepFaults bool
	}{
		{"", false, false},
		{"?keep=journal", true, false},
		{"?keep=faults", false, true},
		{"?keep=journal,faults", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			s.ClearRequests()
			s.ClearFaults()
			setup()
			require.Equal(t, 204, do(t, srv, request{method: "POST", path: "/-/mock/reset" + tc.query, token: "root-token"}).status)
			kept, err := s.Requests(mockserver.JournalFilter{})
			require.NoError(t, err)
			assert.Equal(t, tc.keepJournal, len(kept) > 0, "journal")
			assert.Equal(t, tc.keepFaults, len(s.Faults()) > 0, "faults")
		})
	}
	got := do(t, srv, request{method: "POST", path: "/-/mock/reset?keep=state", token: "root-token"})
	assert.Equal(t, 400, got.status)
	assert.Contains(t, string(got.body), `keep: \"state\" is not journal or faults`)
}

func TestControlUnknownFeature(t *testing.T) {
	srv := mocktest.Start(t)
	got := do(t, srv, request{method: "PUT", path: "/-/mock/features/certificate_based_clusterz", token: "root-token", body: `{"enabled":false}`})
	assert.Equal(t, 404, got.status)
	assert.Contains(t, string(got.body), "valid flags are certificate_based_clusters")
	loadControlDoc(t).check(t, "PUT", "/features/{name}", map[string]string{"name": "certificate_based_clusterz"}, got)
	assert.JSONEq(t, `{"certificate_based_clusters":true}`, string(do(t, srv, request{method: "GET", path: "/-/mock/features", token: "root-token"}).body))
}

// TestControlStateCarriesGroupsAndInstance: the control API's export holds groups with their
// members and visibility and the group and instance clusters (their tokens redacted unless
// asked for), and loading it elsewhere gives the same clusters.
func TestControlStateCarriesGroupsAndInstance(t *testing.T) {
	srv := mocktest.Start(t)
	require.Equal(t, 201, do(t, srv, request{method: "POST", path: addGroupCluster, token: "maintainer-token", body: validBody("g", "g")}).status)
	redactedState := do(t, srv, request{method: "GET", path: "/-/mock/state", token: "root-token"})
	require.Equal(t, 200, redactedState.status)
	for _, secret := range []string{"seed-group-cluster-token", "seed-instance-cluster-token", "secret-k8s-token"} {
		assert.NotContains(t, string(redactedState.body), secret)
	}
	state := do(t, srv, request{method: "GET", path: "/-/mock/state?secrets=true", token: "root-token"})
	require.Equal(t, 200, state.status)
	var seed map[string]any
	require.NoError(t, json.Unmarshal(state.body, &seed))
	platform := seed["namespaces"].([]any)[2].(map[string]any)
	assert.Equal(t, "public", seed["namespaces"].([]any)[3].(map[string]any)["visibility"])
	assert.Equal(t, "private", platform["visibility"])
	assert.Len(t, platform["members"], 5)
	assert.Contains(t, string(state.body), `"cluster_type": "instance_type"`)

	other := mocktest.Start(t)
	require.Equal(t, 204, do(t, other, request{method: "DELETE", path: "/api/v4/admin/clusters/17", token: "root-token"}).status)
	got := do(t, other, request{method: "PUT", path: "/-/mock/state", token: "root-token", body: string(state.body)})
	require.Equal(t, 204, got.status, string(got.body))
	assert.Len(t, do(t, other, request{method: "GET", path: groupClusters, token: "developer-token"}).list(t), 2)
	assert.Len(t, do(t, other, request{method: "GET", path: instanceClusters, token: "root-token"}).list(t), 1)
}
