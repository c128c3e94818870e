package clustersapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// exchange is one recorded request and response, in the form testdata/npmvalidate.js reads.
type exchange struct {
	Name                string            `json:"name"`
	Operation           string            `json:"operation"`
	CheckRequest        bool              `json:"checkRequest"`
	PathParams          map[string]string `json:"pathParams"`
	Query               map[string]string `json:"query"`
	RequestHeaders      map[string]string `json:"requestHeaders"`
	RequestBody         any               `json:"requestBody"`
	Status              int               `json:"status"`
	ResponseContentType string            `json:"responseContentType"`
	ResponseBody        any               `json:"responseBody"`
	wantInvalid         bool
}

// npmTools installs the npm validators (make validators) and returns node and the
// node_modules folder. Without node or npm the test skips, but fails in CI.
func npmTools(t *testing.T) (node, modules string) {
	t.Helper()
	missing := func(what string, err error) {
		testproc.NeedTool(t, what+" (Node.js and npm: the independent validators)", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node", err)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		missing("npm", err)
	}
	if out, err := testproc.CommandTimeout(t, 5*time.Minute, "make", "-s", "validators").CombinedOutput(); err != nil {
		missing("make validators", fmt.Errorf("%w: %s", err, out))
	}
	return node, filepath.Join(".tools", "node_modules")
}

// TestNpmValidatorsAcceptGlmockTraffic runs openapi-request-validator and
// openapi-response-validator (npm, via node) over real glmock traffic covering every operation
// and every status glmock sends, the project addressed by path on all five cluster operations:
// every response must pass, and every request glmock accepted too. A response with the
// cluster token leaked into it must fail.
func TestNpmValidatorsAcceptGlmockTraffic(t *testing.T) {
	node, modules := npmTools(t)
	srv := mocktest.Start(t)
	const byPath = "/api/v4/projects/demo-group%2Fdemo"
	form := "application/x-www-form-urlencoded"
	create := func(scope string) string {
		return `{"name":"npm","environment_scope":"` + scope + `","platform_kubernetes_attributes":{"api_url":"https://kubernetes.example.com","token":"secret-k8s-token"}}`
	}
	type call struct {
		name, op, method, path, token, contentType, body string
		header                                           map[string]string
		fault                                            int // a fault set before the call
		want                                             int
	}
	calls := []call{
		{name: "version", op: "getApiV4Version", method: "GET", path: "/api/v4/version", token: "maintainer-token", want: 200},
		{name: "version without token", op: "getApiV4Version", method: "GET", path: "/api/v4/version", want: 401},
		{name: "user", op: "getApiV4User", method: "GET", path: "/api/v4/user", token: "maintainer-token", want: 200},
		{name: "user, NUL in the query", op: "getApiV4User", method: "GET", path: "/api/v4/user?x=%00", token: "maintainer-token", want: 400},
		{name: "list, first page", op: "getApiV4ProjectsIdClusters", method: "GET", path: "/api/v4/projects/1/clusters?per_page=1", token: "maintainer-token", want: 200},
		{name: "list by path, last page", op: "getApiV4ProjectsIdClusters", method: "GET", path: byPath + "/clusters?per_page=100", token: "maintainer-token", want: 200},
		{name: "list, public project, non-member", op: "getApiV4ProjectsIdClusters", method: "GET", path: "/api/v4/projects/3/clusters", token: "outsider-token", want: 403},
		{name: "list, missing project", op: "getApiV4ProjectsIdClusters", method: "GET", path: "/api/v4/projects/999/clusters", token: "maintainer-token", want: 404},
		{name: "list, per_page 0", op: "getApiV4ProjectsIdClusters", method: "GET", path: "/api/v4/projects/1/clusters?per_page=0", token: "maintainer-token", want: 400},
		{name: "list without token", op: "getApiV4ProjectsIdClusters", method: "GET", path: "/api/v4/projects/1/clusters", want: 401},
		{name: "list throttled", op: "getApiV4ProjectsIdClusters", method: "GET", path: "/api/v4/projects/1/clusters", token: "maintainer-token", fault: 429, want: 429},
		{name: "list 500", op: "getApiV4ProjectsIdClusters", method: "GET", path: "/api/v4/projects/1/clusters", token: "maintainer-token", fault: 500, want: 500},
		{name: "list 502", op: "getApiV4ProjectsIdClusters", method: "GET", path: "/api/v4/projects/1/clusters", token: "maintainer-token", fault: 502, want: 502},
		{name: "list 503", op: "getApiV4ProjectsIdClusters", method: "GET", path: "/api/v4/projects/1/clusters", token: "maintainer-token", fault: 503, want: 503},
		{name: "get", op: "getApiV4ProjectsIdClustersClusterId", method: "GET", path: "/api/v4/projects/1/clusters/18", token: "maintainer-token", want: 200},
		{name: "get by path", op: "getApiV4ProjectsIdClustersClusterId", method: "GET", path: byPath + "/clusters/18", token: "maintainer-token", want: 200},
		{name: "get, unknown cluster", op: "getApiV4ProjectsIdClustersClusterId", method: "GET", path: "/api/v4/projects/1/clusters/9999", token: "maintainer-token", want: 404},
		{name: "get, cluster_id not an integer", op: "getApiV4ProjectsIdClustersClusterId", method: "GET", path: "/api/v4/projects/1/clusters/abc", token: "maintainer-token", want: 400},
		{name: "create", op: "postApiV4ProjectsIdClustersUser", method: "POST", path: "/api/v4/projects/1/clusters/user", token: "maintainer-token", body: create("npm/a"), want: 201},
		{name: "create by path, form", op: "postApiV4ProjectsIdClustersUser", method: "POST", path: byPath + "/clusters/user", token: "maintainer-token", contentType: form,
			body: "name=npm&environment_scope=npm%2Fb&platform_kubernetes_attributes%5Bapi_url%5D=https%3A%2F%2Fkubernetes.example.com&platform_kubernetes_attributes%5Btoken%5D=t", want: 201},
		{name: "create, name missing", op: "postApiV4ProjectsIdClustersUser", method: "POST", path: "/api/v4/projects/1/clusters/user", token: "maintainer-token", body: `{}`, want: 400},
		{name: "create, duplicated scope", op: "postApiV4ProjectsIdClustersUser", method: "POST", path: "/api/v4/projects/1/clusters/user", token: "maintainer-token", body: create("npm/a"), want: 400},
		{name: "create, NUL in name", op: "postApiV4ProjectsIdClustersUser", method: "POST", path: "/api/v4/projects/1/clusters/user", token: "maintainer-token", body: `{"name":"a\u0000"}`, want: 400},
		{name: "create, read_api token", op: "postApiV4ProjectsIdClustersUser", method: "POST", path: "/api/v4/projects/1/clusters/user", token: "readonly-token", body: create("npm/c"), want: 403},
		{name: "update", op: "putApiV4ProjectsIdClustersClusterId", method: "PUT", path: "/api/v4/projects/1/clusters/18", token: "maintainer-token", body: `{"domain":"npm.example.com"}`, want: 200},
		{name: "update by path, terraform clears", op: "putApiV4ProjectsIdClustersClusterId", method: "PUT", path: byPath + "/clusters/18", token: "maintainer-token", body: `{"management_project_id":2}`, want: 200},
		{name: "update, bad api_url", op: "putApiV4ProjectsIdClustersClusterId", method: "PUT", path: "/api/v4/projects/1/clusters/18", token: "maintainer-token", body: `{"platform_kubernetes_attributes":{"api_url":"nope"}}`, want: 400},
		{name: "delete, modified since", op: "deleteApiV4ProjectsIdClustersClusterId", method: "DELETE", path: "/api/v4/projects/1/clusters/18", token: "maintainer-token",
			header: map[string]string{"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, want: 412},
		{name: "delete by path", op: "deleteApiV4ProjectsIdClustersClusterId", method: "DELETE", path: byPath + "/clusters/18", token: "maintainer-token", want: 204},
		// Group clusters (12 "platform").
		{name: "group list", op: "getApiV4GroupsIdClusters", method: "GET", path: "/api/v4/groups/12/clusters?per_page=1", token: "developer-token", want: 200},
		{name: "group list by path", op: "getApiV4GroupsIdClusters", method: "GET", path: "/api/v4/groups/platform/clusters", token: "developer-token", want: 200},
		{name: "group list, per_page 0", op: "getApiV4GroupsIdClusters", method: "GET", path: "/api/v4/groups/12/clusters?per_page=0", token: "developer-token", want: 400},
		{name: "group list, reporter", op: "getApiV4GroupsIdClusters", method: "GET", path: "/api/v4/groups/12/clusters", token: "reporter-token", want: 403},
		{name: "group list, outsider", op: "getApiV4GroupsIdClusters", method: "GET", path: "/api/v4/groups/12/clusters", token: "outsider-token", want: 404},
		{name: "group list without token", op: "getApiV4GroupsIdClusters", method: "GET", path: "/api/v4/groups/12/clusters", want: 401},
		{name: "group get", op: "getApiV4GroupsIdClustersClusterId", method: "GET", path: "/api/v4/groups/12/clusters/16", token: "developer-token", want: 200},
		{name: "group get, a project cluster", op: "getApiV4GroupsIdClustersClusterId", method: "GET", path: "/api/v4/groups/12/clusters/19", token: "developer-token", want: 404},
		{name: "group create", op: "postApiV4GroupsIdClustersUser", method: "POST", path: "/api/v4/groups/12/clusters/user", token: "maintainer-token", body: create("npm/g"), want: 201},
		{name: "group create, namespace", op: "postApiV4GroupsIdClustersUser", method: "POST", path: "/api/v4/groups/12/clusters/user", token: "maintainer-token",
			body: `{"name":"n","environment_scope":"n","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","namespace":"ns"}}`, want: 400},
		{name: "group create, read_api token", op: "postApiV4GroupsIdClustersUser", method: "POST", path: "/api/v4/groups/12/clusters/user", token: "readonly-token", body: create("npm/r"), want: 403},
		{name: "group update by path", op: "putApiV4GroupsIdClustersClusterId", method: "PUT", path: "/api/v4/groups/platform/clusters/16", token: "maintainer-token", body: `{"management_project_id":5}`, want: 200},
		{name: "group delete, modified since", op: "deleteApiV4GroupsIdClustersClusterId", method: "DELETE", path: "/api/v4/groups/12/clusters/16", token: "maintainer-token",
			header: map[string]string{"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, want: 412},
		{name: "group delete", op: "deleteApiV4GroupsIdClustersClusterId", method: "DELETE", path: "/api/v4/groups/12/clusters/16", token: "maintainer-token", want: 204},
		// Instance clusters.
		{name: "instance list", op: "getApiV4AdminClusters", method: "GET", path: "/api/v4/admin/clusters?per_page=1", token: "root-token", want: 200},
		{name: "instance list, non-admin", op: "getApiV4AdminClusters", method: "GET", path: "/api/v4/admin/clusters", token: "maintainer-token", want: 403},
		{name: "instance get", op: "getApiV4AdminClustersClusterId", method: "GET", path: "/api/v4/admin/clusters/17", token: "root-token", want: 200},
		{name: "instance get, a group cluster", op: "getApiV4AdminClustersClusterId", method: "GET", path: "/api/v4/admin/clusters/19", token: "root-token", want: 404},
		{name: "instance create", op: "postApiV4AdminClustersAdd", method: "POST", path: "/api/v4/admin/clusters/add", token: "root-token", body: create("npm/i"), want: 201},
		{name: "instance create, name missing", op: "postApiV4AdminClustersAdd", method: "POST", path: "/api/v4/admin/clusters/add", token: "root-token", body: `{}`, want: 400},
		{name: "instance update", op: "putApiV4AdminClustersClusterId", method: "PUT", path: "/api/v4/admin/clusters/17", token: "root-token", body: `{"domain":"npm.example.com"}`, want: 200},
		{name: "instance delete", op: "deleteApiV4AdminClustersClusterId", method: "DELETE", path: "/api/v4/admin/clusters/17", token: "root-token", want: 204},
		// Discovery.
		{name: "discovery", op: "getApiV4DiscoverCertBasedClusters", method: "GET", path: "/api/v4/discover-cert-based-clusters?group_id=10", token: "maintainer-token", want: 200},
		{name: "discovery, group_id missing", op: "getApiV4DiscoverCertBasedClusters", method: "GET", path: "/api/v4/discover-cert-based-clusters", token: "maintainer-token", want: 400},
		{name: "discovery, outsider", op: "getApiV4DiscoverCertBasedClusters", method: "GET", path: "/api/v4/discover-cert-based-clusters?group_id=12", token: "outsider-token", want: 404},
		// The read API (issue 20).
		{name: "project by path", op: "getApiV4ProjectsId", method: "GET", path: byPath, token: "maintainer-token", want: 200},
		{name: "project, guest", op: "getApiV4ProjectsId", method: "GET", path: "/api/v4/projects/1", token: "guest-token", want: 200},
		{name: "public project without token", op: "getApiV4ProjectsId", method: "GET", path: "/api/v4/projects/demo-group%2Fpublic", want: 200},
		{name: "public project, non-member", op: "getApiV4ProjectsId", method: "GET", path: "/api/v4/projects/3", token: "outsider-token", want: 200},
		{name: "project, outsider", op: "getApiV4ProjectsId", method: "GET", path: "/api/v4/projects/1", token: "outsider-token", want: 404},
		{name: "project, wrong token", op: "getApiV4ProjectsId", method: "GET", path: "/api/v4/projects/3", token: "nope", want: 401},
		{name: "projects without token", op: "getApiV4Projects", method: "GET", path: "/api/v4/projects", want: 200},
		{name: "projects, membership", op: "getApiV4Projects", method: "GET", path: "/api/v4/projects?membership=true&per_page=2", token: "maintainer-token", want: 200},
		{name: "projects, simple, search", op: "getApiV4Projects", method: "GET", path: "/api/v4/projects?simple=true&search=demo", token: "root-token", want: 200},
		{name: "projects, bad order_by", op: "getApiV4Projects", method: "GET", path: "/api/v4/projects?order_by=size", token: "root-token", want: 400},
		{name: "group by path", op: "getApiV4GroupsId", method: "GET", path: "/api/v4/groups/platform", token: "owner-token", want: 200},
		{name: "public group without token", op: "getApiV4GroupsId", method: "GET", path: "/api/v4/groups/demo-group", want: 200},
		{name: "group, outsider", op: "getApiV4GroupsId", method: "GET", path: "/api/v4/groups/12", token: "outsider-token", want: 404},
		{name: "groups without token", op: "getApiV4Groups", method: "GET", path: "/api/v4/groups", want: 200},
		{name: "groups, search", op: "getApiV4Groups", method: "GET", path: "/api/v4/groups?search=plat", token: "maintainer-token", want: 200},
		{name: "group projects", op: "getApiV4GroupsIdProjects", method: "GET", path: "/api/v4/groups/10/projects", token: "maintainer-token", want: 200},
		{name: "group projects without token", op: "getApiV4GroupsIdProjects", method: "GET", path: "/api/v4/groups/10/projects?simple=true", want: 200},
		{name: "subgroups", op: "getApiV4GroupsIdSubgroups", method: "GET", path: "/api/v4/groups/12/subgroups", token: "guest-token", want: 200},
		{name: "namespace", op: "getApiV4NamespacesId", method: "GET", path: "/api/v4/namespaces/12", token: "owner-token", want: 200},
		{name: "namespace without token", op: "getApiV4NamespacesId", method: "GET", path: "/api/v4/namespaces/12", want: 401},
		{name: "namespace, outsider", op: "getApiV4NamespacesId", method: "GET", path: "/api/v4/namespaces/13", token: "outsider-token", want: 404},
		{name: "project members", op: "getApiV4ProjectsIdMembersAll", method: "GET", path: byPath + "/members/all", token: "guest-token", want: 200},
		{name: "project members without token", op: "getApiV4ProjectsIdMembersAll", method: "GET", path: "/api/v4/projects/3/members/all", want: 401},
		{name: "group members", op: "getApiV4GroupsIdMembersAll", method: "GET", path: "/api/v4/groups/12/members/all?per_page=2", token: "guest-token", want: 200},
		{name: "group members, outsider", op: "getApiV4GroupsIdMembersAll", method: "GET", path: "/api/v4/groups/12/members/all", token: "outsider-token", want: 404},
		{name: "user", op: "getApiV4UsersId", method: "GET", path: "/api/v4/users/3", token: "outsider-token", want: 200},
		{name: "user, admin", op: "getApiV4UsersId", method: "GET", path: "/api/v4/users/3", token: "root-token", want: 200},
		{name: "user without token", op: "getApiV4UsersId", method: "GET", path: "/api/v4/users/3", want: 403},
		{name: "user by name", op: "getApiV4UsersId", method: "GET", path: "/api/v4/users/root", token: "root-token", want: 400},
		{name: "missing user", op: "getApiV4UsersId", method: "GET", path: "/api/v4/users/999", token: "root-token", want: 404},
		{name: "push rule", op: "getApiV4ProjectsIdPushRule", method: "GET", path: "/api/v4/projects/1/push_rule", token: "maintainer-token", want: 404},
	}
	var traffic []exchange
	for _, c := range calls {
		if c.fault != 0 {
			setFault(t, srv.URL, c.fault)
		}
		x := record(t, srv.URL, c.method, c.path, c.token, c.contentType, c.body, c.header)
		require.Equal(t, c.want, x.Status, "%s: %v", c.name, x.ResponseBody)
		x.Name, x.Operation = c.name, c.op
		x.CheckRequest = x.Status < 300 // requests glmock accepted must be valid too
		traffic = append(traffic, x)
	}
	// The mutation: a cluster response with the token leaked into it must fail, for each
	// family's entity.
	for _, name := range []string{"get", "group get", "instance update"} {
		i := slices.IndexFunc(traffic, func(x exchange) bool { return x.Name == name })
		require.GreaterOrEqual(t, i, 0, name)
		leak := traffic[i]
		raw, _ := json.Marshal(leak.ResponseBody)
		var leaked map[string]any
		require.NoError(t, json.Unmarshal(raw, &leaked))
		leaked["platform_kubernetes"].(map[string]any)["token"] = "secret-k8s-token"
		leak.Name, leak.ResponseBody, leak.CheckRequest, leak.wantInvalid = name+", token leaked", leaked, false, true
		traffic = append(traffic, leak)
	}

	file := filepath.Join(t.TempDir(), "traffic.json")
	raw, err := json.Marshal(traffic)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, raw, 0o600))
	abs, err := filepath.Abs(modules)
	require.NoError(t, err)
	out, err := testproc.CommandTimeout(t, 2*time.Minute, node, "testdata/npmvalidate.js", abs, "openapi.yaml", file).Output()
	var stderr []byte
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	require.NoError(t, err, "%s", stderr)
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var res struct {
			I                 int
			Request, Response []string
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &res), sc.Text())
		x := traffic[res.I]
		seen++
		if x.wantInvalid {
			assert.NotEmpty(t, res.Response, "%s: the npm validator accepted a leaked token", x.Name)
			continue
		}
		assert.Empty(t, res.Request, "%s: request", x.Name)
		assert.Empty(t, res.Response, "%s: %d response", x.Name, x.Status)
	}
	assert.Equal(t, len(traffic), seen, "a result for every exchange")
}

func setFault(t *testing.T, base string, status int) {
	t.Helper()
	x := record(t, base, "POST", mockserver.ControlPrefix+"faults", "root-token", "", `{"status":`+jsonInt(status)+`,"count":1}`, nil)
	require.Equal(t, 201, x.Status, "%v", x.ResponseBody)
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// record sends one request and keeps what the validators need of it.
func record(t *testing.T, base, method, target, token, contentType, body string, header map[string]string) exchange {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+target, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	if body != "" {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	x := exchange{PathParams: map[string]string{}, Query: map[string]string{}, RequestHeaders: map[string]string{},
		Status: resp.StatusCode, ResponseContentType: resp.Header.Get("Content-Type")}
	// Path parameters as a validating proxy sees them: percent-decoded.
	segs := strings.Split(strings.TrimPrefix(req.URL.EscapedPath(), "/api/v4/"), "/")
	if len(segs) >= 2 && (segs[0] == "projects" || segs[0] == "groups" || segs[0] == "namespaces" || segs[0] == "users") {
		x.PathParams["id"], _ = url.PathUnescape(segs[1])
	}
	switch {
	case segs[0] == "admin" && len(segs) >= 3 && segs[2] != "add":
		x.PathParams["cluster_id"] = segs[2]
	case segs[0] != "admin" && len(segs) >= 4 && segs[2] == "clusters" && segs[3] != "user":
		x.PathParams["cluster_id"] = segs[3]
	}
	for k, v := range req.URL.Query() {
		x.Query[k] = v[0]
	}
	for k := range req.Header {
		x.RequestHeaders[strings.ToLower(k)] = req.Header.Get(k)
	}
	switch {
	case contentType == "application/x-www-form-urlencoded":
		form, _ := url.ParseQuery(body)
		m := map[string]any{}
		for k, v := range form {
			m[k] = v[0]
		}
		x.RequestBody = m
	case body != "":
		_ = json.Unmarshal([]byte(body), &x.RequestBody)
	}
	switch {
	case len(respBody) == 0:
		x.ResponseBody = nil
	case strings.HasPrefix(x.ResponseContentType, "application/json"):
		require.NoError(t, json.Unmarshal(respBody, &x.ResponseBody), "%s", respBody)
	default:
		x.ResponseBody = string(respBody)
	}
	return x
}
