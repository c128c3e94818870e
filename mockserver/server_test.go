package mockserver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// response is what a test sees of one HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), string(r.body))
	return m
}

func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &l), string(r.body))
	return l
}

// request describes one call; token "" sends none.
type request struct {
	method, path, token string
	contentType         string
	body                string
	header              map[string]string
}

func do(t *testing.T, srv *httptest.Server, rq request) response {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequest(rq.method, srv.URL+rq.path, body)
	require.NoError(t, err)
	if rq.token != "" {
		req.Header.Set("PRIVATE-TOKEN", rq.token)
	}
	ct := rq.contentType
	if ct == "" && rq.body != "" {
		ct = "application/json"
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{resp.StatusCode, resp.Header, raw}
}

const (
	clusters   = "/api/v4/projects/1/clusters"
	cluster18  = "/api/v4/projects/1/clusters/18"
	addCluster = "/api/v4/projects/1/clusters/user"
)

func validBody(name, scope string) string {
	return `{"name":"` + name + `","environment_scope":"` + scope + `","platform_kubernetes_attributes":{"api_url":"https://kubernetes.example.com","token":"secret-k8s-token"}}`
}

// TestRules drives GitLab's rules over HTTP: one row, one request, GitLab's exact answer.
func TestRules(t *testing.T) {
	cases := []struct {
		name       string
		req        request
		wantStatus int
		wantBody   string // exact JSON when it starts with '{', else a substring
	}{
		// Authentication (reference §7, §6.3).
		{"no token", request{method: "GET", path: clusters}, 401, `{"message":"401 Unauthorized"}`},
		{"unknown token", request{method: "GET", path: clusters, token: "nope"}, 401, `{"message":"401 Unauthorized"}`},
		{"bearer header", request{method: "GET", path: clusters, header: map[string]string{"Authorization": "Bearer maintainer-token"}}, 200, `"id":18`},
		{"lower-case header", request{method: "GET", path: clusters, header: map[string]string{"private-token": "maintainer-token"}}, 200, `"id":18`},
		{"query token", request{method: "GET", path: clusters + "?private_token=maintainer-token"}, 200, `"id":18`},
		{"read_api may read", request{method: "GET", path: cluster18, token: "readonly-token"}, 200, `"id":18`},
		{"read_api may not write", request{method: "DELETE", path: cluster18, token: "readonly-token"}, 403,
			`{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api"}`},
		// Projects (reference §1, §4).
		{"private project, non-member", request{method: "GET", path: clusters, token: "outsider-token"}, 404, `{"message":"404 Project Not Found"}`},
		{"public project, non-member", request{method: "GET", path: "/api/v4/projects/3/clusters", token: "outsider-token"}, 403, `{"message":"403 Forbidden"}`},
		{"missing project", request{method: "GET", path: "/api/v4/projects/999/clusters", token: "root-token"}, 404, `{"message":"404 Project Not Found"}`},
		{"project by path", request{method: "GET", path: "/api/v4/projects/demo-group%2Fdemo/clusters", token: "maintainer-token"}, 200, `"id":18`},
		{"project by path, any case", request{method: "GET", path: "/api/v4/projects/Demo-Group%2FDemo/clusters/18", token: "maintainer-token"}, 200, `"path_with_namespace":"demo-group/demo"`},
		{"project name without namespace", request{method: "GET", path: "/api/v4/projects/demo/clusters", token: "root-token"}, 404, `{"message":"404 Project Not Found"}`},
		{"admin sees a project without members", request{method: "GET", path: "/api/v4/projects/4/clusters", token: "root-token"}, 200, `[]`},
		// Roles (reference §4).
		{"guest lists", request{method: "GET", path: clusters, token: "guest-token"}, 403, `{"message":"403 Forbidden"}`},
		{"reporter lists", request{method: "GET", path: clusters, token: "reporter-token"}, 403, `{"message":"403 Forbidden"}`},
		{"developer lists", request{method: "GET", path: clusters, token: "developer-token"}, 200, `"id":18`},
		{"developer gets", request{method: "GET", path: cluster18, token: "developer-token"}, 200, `"project":{"id":1`},
		{"reporter gets", request{method: "GET", path: cluster18, token: "reporter-token"}, 403, `{"message":"403 Forbidden"}`},
		{"developer adds", request{method: "POST", path: addCluster, token: "developer-token", body: validBody("d", "dev/*")}, 403, `{"message":"403 Forbidden"}`},
		{"developer edits", request{method: "PUT", path: cluster18, token: "developer-token", body: `{"name":"x"}`}, 403, `{"message":"403 Forbidden"}`},
		{"developer deletes", request{method: "DELETE", path: cluster18, token: "developer-token"}, 403, `{"message":"403 Forbidden"}`},
		{"owner edits", request{method: "PUT", path: cluster18, token: "owner-token", body: `{"enabled":false}`}, 200, `"enabled":false`},
		{"admin edits", request{method: "PUT", path: cluster18, token: "root-token", body: `{"enabled":false}`}, 200, `"enabled":false`},
		// Precedence (reference §0).
		{"params before role", request{method: "POST", path: addCluster, token: "developer-token", body: `{}`}, 400,
			`{"error":"name is missing, platform_kubernetes_attributes is missing, platform_kubernetes_attributes[api_url] is missing, platform_kubernetes_attributes[token] is missing"}`},
		{"cluster lookup before role", request{method: "GET", path: "/api/v4/projects/1/clusters/9999", token: "reporter-token"}, 404, `{"message":"404 Not found"}`},
		{"cluster of another project", request{method: "GET", path: "/api/v4/projects/1/clusters/19", token: "root-token"}, 404, `{"message":"404 Not found"}`},
		{"cluster of another project, edit", request{method: "PUT", path: "/api/v4/projects/1/clusters/19", token: "root-token", body: `{"name":"x"}`}, 404, `{"message":"404 Not found"}`},
		{"cluster_id not an integer", request{method: "GET", path: "/api/v4/projects/1/clusters/abc", token: "maintainer-token"}, 400, `{"error":"cluster_id is invalid"}`},
		{"user is not a cluster id", request{method: "DELETE", path: addCluster, token: "maintainer-token"}, 400, `{"error":"cluster_id is invalid"}`},
		{"project before params", request{method: "GET", path: "/api/v4/projects/999/clusters/abc", token: "maintainer-token"}, 404, `{"message":"404 Project Not Found"}`},
		{"auth before project", request{method: "GET", path: "/api/v4/projects/999/clusters"}, 401, `{"message":"401 Unauthorized"}`},
		// Parameters (reference §6.2).
		{"missing name", request{method: "POST", path: addCluster, token: "maintainer-token", body: `{"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`}, 400, `{"error":"name is missing"}`},
		{"empty api_url", request{method: "POST", path: addCluster, token: "maintainer-token", body: `{"name":"a","platform_kubernetes_attributes":{"api_url":"","token":"t"}}`}, 400, `{"error":"platform_kubernetes_attributes[api_url] is empty"}`},
		{"bad authorization_type", request{method: "POST", path: addCluster, token: "maintainer-token", body: `{"name":"a","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t","authorization_type":"root"}}`}, 400,
			`{"error":"platform_kubernetes_attributes[authorization_type] does not have a valid value"}`},
		{"wrong types", request{method: "POST", path: addCluster, token: "maintainer-token", body: `{"name":"a","enabled":"maybe","management_project_id":"x","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`}, 400,
			`{"error":"enabled is invalid, management_project_id is invalid"}`},
		{"Grape coerces strings and numbers", request{method: "POST", path: addCluster, token: "maintainer-token", body: `{"name":5,"environment_scope":"c","enabled":"false","managed":"0","management_project_id":" 2","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`}, 201,
			`"name":"5","created_at"`},
		{"form: bad boolean", request{method: "POST", path: addCluster, token: "maintainer-token", contentType: "application/x-www-form-urlencoded", body: "name=a&enabled=maybe"}, 400, `enabled is invalid`},
		{"per_page 0", request{method: "GET", path: clusters + "?per_page=0", token: "maintainer-token"}, 400, `{"error":"per_page has a value not allowed"}`},
		{"page not a number", request{method: "GET", path: clusters + "?page=x", token: "maintainer-token"}, 400, `{"error":"page is invalid"}`},
		// Request format.
		{"malformed JSON", request{method: "POST", path: addCluster, token: "maintainer-token", body: `{"name":`}, 400, `{"error":"message body does not match declared format"}`},
		{"unsupported content type", request{method: "POST", path: addCluster, token: "maintainer-token", contentType: "text/plain", body: "name=a"}, 415, `not supported`},
		{"body over 1 MiB", request{method: "POST", path: addCluster, token: "maintainer-token", body: `{"name":"` + strings.Repeat("a", mockserver.MaxBodyBytes) + `"}`}, 413, `{"message":"413 Request Entity Too Large"}`},
		// Routes.
		{"unknown route", request{method: "GET", path: "/api/v4/projects/1/pipelines", token: "maintainer-token"}, 404, `{"error":"404 Not Found"}`},
		{"wrong method", request{method: "PATCH", path: cluster18, token: "maintainer-token"}, 404, `{"error":"404 Not Found"}`},
		{"health", request{method: "GET", path: "/-/health"}, 200, `GitLab OK`},
		{"version", request{method: "GET", path: "/api/v4/version", token: "developer-token"}, 200, `"version":"18.10.0"`},
		{"user", request{method: "GET", path: "/api/v4/user", token: "readonly-token"}, 200, `"username":"maintainer"`},
		{"user needs a token", request{method: "GET", path: "/api/v4/user"}, 401, `{"message":"401 Unauthorized"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mocktest.Start(t)
			got := do(t, srv, tc.req)
			assert.Equal(t, tc.wantStatus, got.status, string(got.body))
			if strings.HasPrefix(tc.wantBody, "{") {
				assert.JSONEq(t, tc.wantBody, string(got.body))
			} else {
				assert.Contains(t, string(got.body), tc.wantBody)
			}
			if strings.HasPrefix(tc.req.path, "/api/") {
				assert.Equal(t, []string{"application/json"}, got.header.Values("Content-Type"))
			}
		})
	}
}

func TestFeatureFlagOff(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithFeature(mockserver.FeatureCertificateBasedClusters, false))
	for _, rq := range []request{
		{method: "GET", path: clusters, token: "maintainer-token"},
		{method: "GET", path: cluster18, token: "maintainer-token"},
		{method: "POST", path: addCluster, token: "maintainer-token", body: `{}`},
		{method: "PUT", path: cluster18, token: "maintainer-token", body: `{}`},
		{method: "DELETE", path: cluster18, token: "maintainer-token"},
		{method: "GET", path: "/api/v4/projects/1/clusters/abc", token: "maintainer-token"},
	} {
		got := do(t, srv, rq)
		assert.Equal(t, 404, got.status, rq.method+" "+rq.path)
		assert.JSONEq(t, `{"message":"404 Not Found"}`, string(got.body))
	}
	// Authentication and the project lookup still come first.
	assert.Equal(t, 401, do(t, srv, request{method: "GET", path: clusters}).status)
	assert.JSONEq(t, `{"message":"404 Project Not Found"}`, string(do(t, srv, request{method: "GET", path: clusters, token: "outsider-token"}).body))
	// The rest of the API is unaffected.
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: "/api/v4/version", token: "maintainer-token"}).status)
}

func TestCreate(t *testing.T) {
	srv := mocktest.Start(t)
	got := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token",
		body: `{"name":"cluster-5","environment_scope":"  staging/*  ","platform_kubernetes_attributes":{"api_url":"https://35.111.51.20","token":"12345","namespace":"Cluster-5-Namespace"}}`})
	require.Equal(t, 201, got.status, string(got.body))
	c := got.json(t)
	assert.EqualValues(t, 20, c["id"], "new ids start at 20")
	assert.Equal(t, "cluster-5", c["name"])
	assert.Equal(t, true, c["enabled"])
	assert.Equal(t, true, c["managed"])
	assert.Equal(t, true, c["namespace_per_environment"])
	assert.Equal(t, "staging/*", c["environment_scope"], "the scope is stripped")
	assert.Equal(t, "user", c["provider_type"])
	assert.Nil(t, c["domain"])
	assert.Nil(t, c["management_project"])
	assert.Nil(t, c["provider_gcp"])
	assert.Equal(t, "maintainer", c["user"].(map[string]any)["username"], "user is the caller")
	pk := c["platform_kubernetes"].(map[string]any)
	assert.Equal(t, "rbac", pk["authorization_type"])
	assert.Equal(t, "cluster-5-namespace", pk["namespace"], "the namespace is downcased")
	assert.NotContains(t, pk, "token")
	assert.NotContains(t, string(got.body), "12345")
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, c["created_at"])
	assert.EqualValues(t, 1, c["project"].(map[string]any)["id"])

	// The same cluster through GET and the list.
	one := do(t, srv, request{method: "GET", path: "/api/v4/projects/1/clusters/20", token: "developer-token"}).json(t)
	assert.Equal(t, c, one)
	list := do(t, srv, request{method: "GET", path: clusters, token: "developer-token"}).list(t)
	require.Len(t, list, 2)
	assert.NotContains(t, list[1], "project", "list items have no project")
	delete(one, "project")
	assert.Equal(t, one, list[1])
}

func TestCreateEncodings(t *testing.T) {
	srv := mocktest.Start(t)
	form := url.Values{"name": {"form-cluster"}, "environment_scope": {"form"}, "enabled": {"false"},
		"platform_kubernetes_attributes[api_url]": {"https://k.example.com"}, "platform_kubernetes_attributes[token]": {"t"},
		"platform_kubernetes_attributes[authorization_type]": {"abac"}}
	got := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token",
		contentType: "application/x-www-form-urlencoded", body: form.Encode()})
	require.Equal(t, 201, got.status, string(got.body))
	c := got.json(t)
	assert.Equal(t, false, c["enabled"])
	assert.Equal(t, true, c["managed"], "defaults apply to forms too")
	assert.Equal(t, "abac", c["platform_kubernetes"].(map[string]any)["authorization_type"])

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"name": "multi", "environment_scope": "multi",
		"platform_kubernetes_attributes[api_url]": "https://k.example.com", "platform_kubernetes_attributes[token]": "t"} {
		require.NoError(t, mw.WriteField(k, v))
	}
	require.NoError(t, mw.Close())
	got = do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", contentType: mw.FormDataContentType(), body: buf.String()})
	require.Equal(t, 201, got.status, string(got.body))
	assert.Equal(t, "multi", got.json(t)["name"])
}

// TestValidation covers the model validations of reference §3, messages and keys exact.
func TestValidation(t *testing.T) {
	const pem = "-----BEGIN CERTIFICATE-----\nMIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn+dNuaTAKBggqhkjOPQQDAjASMRAw\nDgYDVQQKEwdBY21lIENvMB4XDTE3MTAyMDE5NDMwNloXDTE4MTAyMDE5NDMwNlow\nEjEQMA4GA1UEChMHQWNtZSBDbzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABD0d\n7VNhbWvZLWPuj/RtHFjvtJBEwOkhbN/BnnE8rnZR8+sbwnc/KhCk3FhnpHZnQz7B\n5aETbbIgmuvewdjvSBSjYzBhMA4GA1UdDwEB/wQEAwICpDATBgNVHSUEDDAKBggr\nBgEFBQcDATAPBgNVHRMBAf8EBTADAQH/MCkGA1UdEQQiMCCCDmxvY2FsaG9zdDo1\nNDUzgg4xMjcuMC4wLjE6NTQ1MzAKBggqhkjOPQQDAgNIADBFAiEA2zpJEPQyz6/l\nWf86aX6PepsntZv2GYlA5UpabfT2EZICICpJ5h/iI+i341gBmLiAFQOyTDT+/wQc\n6MF9+Yw1Yy0t\n-----END CERTIFICATE-----"
	body := func(extra string, pk string) string {
		b := `{"name":"v","environment_scope":"v"` + extra + `,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"` + pk + `}}`
		return b
	}
	cases := []struct {
		name, body string
		status     int
		want       string
	}{
		{"blank name", `{"name":"  ","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`, 400, `{"message":{"name":["has to be present"]}}`},
		{"long name", `{"name":"` + strings.Repeat("n", 2049) + `","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`, 400, `{"message":{"name":["is too long"]}}`},
		{"name at the limit", `{"name":"` + strings.Repeat("n", 2048) + `","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`, 201, ""},
		{"duplicated scope", body(`,"environment_scope":"*"`, ""), 400, `{"message":{"environment_scope":["cannot add duplicated environment scope"]}}`},
		{"scope characters", body(`,"environment_scope":"prod#1"`, ""), 400, `{"message":{"environment_scope":["can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', '*' and spaces"]}}`},
		{"blank scope", body(`,"environment_scope":"   "`, ""), 400, `{"message":{"environment_scope":["can't be blank"]}}`},
		{"bad namespace", body("", `,"namespace":"invalid_namespace"`), 400, `{"message":{"platform_kubernetes.namespace":["can contain only lowercase letters, digits, and '-'. Must start with a letter, and cannot end with '-'"]}}`},
		{"long namespace", body("", `,"namespace":"`+strings.Repeat("a", 64)+`"`), 400, `{"message":{"platform_kubernetes.namespace":["is too long (maximum is 63 characters)"]}}`},
		{"reserved namespace", body("", `,"namespace":"gitlab-managed-apps"`), 400, `{"message":{"platform_kubernetes.namespace":["is reserved"]}}`},
		{"scheme", `{"name":"v","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"invalid_api_url","token":"t"}}`, 400, `{"message":{"platform_kubernetes.api_url":["is blocked: Only allowed schemes are http, https"]}}`},
		{"localhost", `{"name":"v","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"http://localhost:6443","token":"t"}}`, 400, `{"message":{"platform_kubernetes.api_url":["is blocked: Requests to localhost are not allowed"]}}`},
		{"loopback", `{"name":"v","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"https://127.0.0.2","token":"t"}}`, 400, `{"message":{"platform_kubernetes.api_url":["is blocked: Requests to loopback addresses are not allowed"]}}`},
		{"local network", `{"name":"v","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"https://10.0.0.1","token":"t"}}`, 400, `{"message":{"platform_kubernetes.api_url":["is blocked: Requests to the local network are not allowed"]}}`},
		{"link local", `{"name":"v","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"http://169.254.169.254","token":"t"}}`, 400, `{"message":{"platform_kubernetes.api_url":["is blocked: Requests to the link local network are not allowed"]}}`},
		{"shared address space", `{"name":"v","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"https://100.64.1.1","token":"t"}}`, 400, `{"message":{"platform_kubernetes.api_url":["is blocked: Requests to the shared address space are not allowed"]}}`},
		{"blank token", `{"name":"v","environment_scope":"v","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"  "}}`, 400, `{"message":{"platform_kubernetes.token":["can't be blank"]}}`},
		{"bad ca_cert", body("", `,"ca_cert":"not a certificate"`), 400, `{"message":{"platform_kubernetes.ca_cert":["must be a valid PEM certificate"]}}`},
		{"good ca_cert", body("", `,"ca_cert":`+string(mustMarshal(pem))), 201, ""},
		{"bad domain", body(`,"domain":"invalid domain"`, ""), 400, `{"message":{"domain":["contains invalid characters (valid characters: [a-z0-9\\-])"]}}`},
		{"numeric domain", body(`,"domain":"10.0.0.1"`, ""), 201, ""},
		{"management project in the namespace", body(`,"management_project_id":2`, ""), 201, `"management_project":{"id":2`},
		{"management project elsewhere", body(`,"management_project_id":4`, ""), 400, `{"message":{"management_project_id":["Project does not exist or you don't have permission to perform this action"]}}`},
		{"management project missing", body(`,"management_project_id":404`, ""), 400, `{"message":{"management_project_id":["Project does not exist or you don't have permission to perform this action"]}}`},
		{"management project error comes alone", `{"name":"  ","management_project_id":4,"platform_kubernetes_attributes":{"api_url":"invalid","token":"t"}}`, 400, `{"message":{"management_project_id":["Project does not exist or you don't have permission to perform this action"]}}`},
		{"several errors at once", `{"name":" ","environment_scope":"*","platform_kubernetes_attributes":{"api_url":"https://10.1.1.1","token":"t","namespace":"-x"}}`, 400,
			`{"message":{"name":["has to be present"],"environment_scope":["cannot add duplicated environment scope"],"platform_kubernetes.namespace":["can contain only lowercase letters, digits, and '-'. Must start with a letter, and cannot end with '-'"],"platform_kubernetes.api_url":["is blocked: Requests to the local network are not allowed"]}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mocktest.Start(t)
			got := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: tc.body})
			require.Equal(t, tc.status, got.status, string(got.body))
			if strings.HasPrefix(tc.want, "{") {
				assert.JSONEq(t, tc.want, string(got.body))
			} else {
				assert.Contains(t, string(got.body), tc.want)
			}
			if tc.status != 201 {
				// A failed create stores nothing and consumes no id.
				list := do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).list(t)
				assert.Len(t, list, 1)
				next := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("next", "next")})
				assert.EqualValues(t, 20, next.json(t)["id"])
			}
		})
	}
}

func TestManagementProjectNeedsMaintainer(t *testing.T) {
	srv := mocktest.Start(t)
	// owner is Owner of project 1 but not a member of project 2.
	got := do(t, srv, request{method: "POST", path: addCluster, token: "owner-token",
		body: `{"name":"m","environment_scope":"m","management_project_id":2,"platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`})
	assert.Equal(t, 400, got.status)
	assert.Contains(t, string(got.body), "don't have permission")
}

func TestAllowLocalURLs(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithAllowLocalURLs(true))
	got := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token",
		body: `{"name":"local","environment_scope":"local","platform_kubernetes_attributes":{"api_url":"https://127.0.0.1:6443","token":"t"}}`})
	assert.Equal(t, 201, got.status, string(got.body))
}

func TestUpdate(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	// namespace_per_environment false first, to see PUT reset it.
	got := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token",
		body: `{"name":"u","environment_scope":"u","namespace_per_environment":false,"domain":"a.example.com","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"first-token","namespace":"ns-a"}}`})
	require.Equal(t, 201, got.status, string(got.body))
	assert.Equal(t, false, got.json(t)["namespace_per_environment"])
	path := "/api/v4/projects/1/clusters/20"

	got = do(t, srv, request{method: "PUT", path: path, token: "maintainer-token",
		body: `{"name":"renamed","platform_kubernetes_attributes":{"token":"","authorization_type":"abac"}}`})
	require.Equal(t, 200, got.status, string(got.body))
	c := got.json(t)
	assert.Equal(t, "renamed", c["name"])
	assert.Equal(t, "a.example.com", c["domain"], "omitted fields keep their values")
	assert.Equal(t, "u", c["environment_scope"])
	assert.Equal(t, true, c["namespace_per_environment"], "GitLab resets it when omitted")
	pk := c["platform_kubernetes"].(map[string]any)
	assert.Equal(t, "rbac", pk["authorization_type"], "authorization_type cannot change on update")
	assert.Equal(t, "ns-a", pk["namespace"])
	assert.Equal(t, "first-token", clusterToken(t, s, 20), "a blank token is ignored")

	got = do(t, srv, request{method: "PUT", path: path, token: "maintainer-token",
		body: `{"platform_kubernetes_attributes":{"token":"second-token","api_url":"https://k2.example.com"}}`})
	require.Equal(t, 200, got.status)
	assert.Equal(t, "second-token", clusterToken(t, s, 20))
	assert.NotContains(t, string(got.body), "second-token")

	// A failed update changes nothing.
	before := do(t, srv, request{method: "GET", path: path, token: "maintainer-token"}).body
	got = do(t, srv, request{method: "PUT", path: path, token: "maintainer-token",
		body: `{"name":"changed","environment_scope":"*","platform_kubernetes_attributes":{"namespace":"invalid_namespace"}}`})
	assert.Equal(t, 400, got.status)
	assert.JSONEq(t, `{"message":{"environment_scope":["cannot add duplicated environment scope"],"platform_kubernetes.namespace":["can contain only lowercase letters, digits, and '-'. Must start with a letter, and cannot end with '-'"]}}`, string(got.body))
	assert.Equal(t, string(before), string(do(t, srv, request{method: "GET", path: path, token: "maintainer-token"}).body))

	// An empty body is a valid update.
	assert.Equal(t, 200, do(t, srv, request{method: "PUT", path: path, token: "maintainer-token"}).status)
	// Form-encoded updates too.
	got = do(t, srv, request{method: "PUT", path: path, token: "maintainer-token", contentType: "application/x-www-form-urlencoded",
		body: "platform_kubernetes_attributes[namespace]=form-ns&managed=false"})
	require.Equal(t, 200, got.status, string(got.body))
	assert.Equal(t, false, got.json(t)["managed"])
	assert.Equal(t, "form-ns", got.json(t)["platform_kubernetes"].(map[string]any)["namespace"])
}

func TestUpdateManagedCluster(t *testing.T) {
	seed := mockserver.DefaultSeed()
	seed.Clusters[0].ProviderType = "gcp"
	seed.Clusters[0].ProviderGCP = &mockserver.SeedProviderGCP{GCPProjectID: "test-gcp-project", Zone: "us-central1-a",
		MachineType: "n1-standard-2", NumNodes: 3, StatusName: "created", Endpoint: "111.111.111.111"}
	srv := mocktest.Start(t, mockserver.WithSeed(seed))
	got := do(t, srv, request{method: "GET", path: cluster18, token: "maintainer-token"})
	assert.Contains(t, string(got.body), `"provider_gcp":{"cluster_id":18,"status_name":"created"`)
	got = do(t, srv, request{method: "PUT", path: cluster18, token: "maintainer-token",
		body: `{"platform_kubernetes_attributes":{"api_url":"https://new-api-url.com","token":"new-sample-token"}}`})
	assert.JSONEq(t, `{"message":{"platform_kubernetes.base":["Cannot modify managed Kubernetes cluster"]}}`, string(got.body))
	got = do(t, srv, request{method: "PUT", path: cluster18, token: "maintainer-token", body: `{"name":"new-name"}`})
	assert.JSONEq(t, `{"message":{"name":["can not be changed because it's synchronized with provider"]}}`, string(got.body))
	got = do(t, srv, request{method: "PUT", path: cluster18, token: "maintainer-token", body: `{"platform_kubernetes_attributes":{"namespace":"new-namespace"}}`})
	assert.Equal(t, 200, got.status, string(got.body))
}

func clusterToken(t *testing.T, s *mockserver.Server, id int) string {
	t.Helper()
	for _, c := range s.Export().Clusters {
		if c.ID == id {
			return c.Platform.Token
		}
	}
	t.Fatalf("cluster %d not stored", id)
	return ""
}

func TestDelete(t *testing.T) {
	srv := mocktest.Start(t)
	got := do(t, srv, request{method: "DELETE", path: cluster18, token: "maintainer-token",
		header: map[string]string{"If-Unmodified-Since": "Tue, 01 Jan 2019 00:00:00 GMT"}})
	assert.Equal(t, 412, got.status)
	assert.JSONEq(t, `{"message":"412 Precondition Failed"}`, string(got.body))
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: cluster18, token: "maintainer-token"}).status, "nothing deleted")

	got = do(t, srv, request{method: "DELETE", path: cluster18, token: "maintainer-token",
		header: map[string]string{"If-Unmodified-Since": "Wed, 01 Jan 2020 00:00:00 GMT"}})
	assert.Equal(t, 204, got.status)
	assert.Empty(t, got.body)
	got = do(t, srv, request{method: "GET", path: cluster18, token: "maintainer-token"})
	assert.Equal(t, 404, got.status)
	assert.JSONEq(t, `{"message":"404 Not found"}`, string(got.body))
	assert.Equal(t, 404, do(t, srv, request{method: "DELETE", path: cluster18, token: "maintainer-token"}).status)
	assert.Equal(t, "[]", string(do(t, srv, request{method: "GET", path: clusters, token: "maintainer-token"}).body), "an empty list is []")
}

func TestPagination(t *testing.T) {
	srv := mocktest.Start(t)
	for _, scope := range []string{"a", "b", "c", "d", "e"} { // ids 20..24; with 18, six clusters
		require.Equal(t, 201, do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody(scope, scope)}).status)
	}
	base := srv.URL + clusters
	cases := []struct {
		query                                   string
		ids                                     []float64
		page, perPage, next, prev, total, pages string
		link                                    string
	}{
		{"?per_page=2", []float64{18, 20}, "1", "2", "2", "", "6", "3",
			`<` + base + `?id=1&page=2&per_page=2>; rel="next", <` + base + `?id=1&page=1&per_page=2>; rel="first", <` + base + `?id=1&page=3&per_page=2>; rel="last"`},
		{"?per_page=2&page=2", []float64{21, 22}, "2", "2", "3", "1", "6", "3",
			`<` + base + `?id=1&page=1&per_page=2>; rel="prev", <` + base + `?id=1&page=3&per_page=2>; rel="next", <` + base + `?id=1&page=1&per_page=2>; rel="first", <` + base + `?id=1&page=3&per_page=2>; rel="last"`},
		{"?per_page=2&page=3", []float64{23, 24}, "3", "2", "", "2", "6", "3",
			`<` + base + `?id=1&page=2&per_page=2>; rel="prev", <` + base + `?id=1&page=1&per_page=2>; rel="first", <` + base + `?id=1&page=3&per_page=2>; rel="last"`},
		{"?per_page=2&page=9", []float64{}, "9", "2", "", "", "6", "3",
			`<` + base + `?id=1&page=1&per_page=2>; rel="first", <` + base + `?id=1&page=3&per_page=2>; rel="last"`},
		{"", []float64{18, 20, 21, 22, 23, 24}, "1", "20", "", "", "6", "1",
			`<` + base + `?id=1&page=1&per_page=20>; rel="first", <` + base + `?id=1&page=1&per_page=20>; rel="last"`},
		{"?per_page=1000&page=0", []float64{18, 20, 21, 22, 23, 24}, "1", "100", "", "", "6", "1", ""},
		{"?per_page=-5", []float64{18, 20, 21, 22, 23, 24}, "1", "20", "", "", "6", "1", ""},
		{"?per_page=5&private_token=maintainer-token&order_by=id", []float64{18, 20, 21, 22, 23}, "1", "5", "2", "", "6", "2",
			`<` + base + `?id=1&order_by=id&page=2&per_page=5>; rel="next", <` + base + `?id=1&order_by=id&page=1&per_page=5>; rel="first", <` + base + `?id=1&order_by=id&page=2&per_page=5>; rel="last"`},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got := do(t, srv, request{method: "GET", path: clusters + tc.query, token: "maintainer-token"})
			require.Equal(t, 200, got.status, string(got.body))
			ids := []float64{}
			for _, c := range got.list(t) {
				ids = append(ids, c["id"].(float64))
			}
			assert.Equal(t, tc.ids, ids)
			for h, want := range map[string]string{"X-Page": tc.page, "X-Per-Page": tc.perPage, "X-Next-Page": tc.next,
				"X-Prev-Page": tc.prev, "X-Total": tc.total, "X-Total-Pages": tc.pages} {
				assert.Equal(t, []string{want}, got.header.Values(h), h)
			}
			if tc.link != "" {
				assert.Equal(t, tc.link, got.header.Get("Link"))
			}
			assert.NotContains(t, got.header.Get("Link"), "private_token", "credentials never go into links")
		})
	}
	empty := do(t, srv, request{method: "GET", path: "/api/v4/projects/3/clusters", token: "maintainer-token"})
	assert.Equal(t, "[]", string(empty.body))
	assert.Equal(t, "0", empty.header.Get("X-Total"))
	assert.Equal(t, "1", empty.header.Get("X-Total-Pages"))
}

func TestLinkUsesPathAndHost(t *testing.T) {
	srv := mocktest.Start(t)
	req, _ := http.NewRequest("GET", srv.URL+"/api/v4/projects/demo-group%2Fdemo/clusters", nil)
	req.Host = "gitlab.internal:8443"
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Link"),
		`<https://gitlab.internal:8443/api/v4/projects/demo-group%2Fdemo/clusters?id=demo-group%2Fdemo&page=1&per_page=20>; rel="first"`)
}

func TestIDsComeFromOneSequence(t *testing.T) {
	srv := mocktest.Start(t)
	a := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("a", "a")}).json(t)
	b := do(t, srv, request{method: "POST", path: "/api/v4/projects/2/clusters/user", token: "maintainer-token", body: validBody("b", "b")}).json(t)
	assert.EqualValues(t, 20, a["id"])
	assert.EqualValues(t, 21, b["id"], "ids are global, not per project")
	require.Equal(t, 204, do(t, srv, request{method: "DELETE", path: "/api/v4/projects/2/clusters/21", token: "maintainer-token"}).status)
	c := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("c", "c")}).json(t)
	assert.EqualValues(t, 22, c["id"], "deleted ids are not reused")
}

func mustMarshal(v any) []byte {
	out, _ := json.Marshal(v)
	return out
}

func TestBlockedAddressForms(t *testing.T) {
	srv := mocktest.Start(t)
	for url, want := range map[string]string{
		"https://[::1%25lo]:6443":        "loopback",
		"https://[fe80::1%25eth0]:6443":  "link local",
		"https://127.1":                  "loopback",
		"https://2130706433":             "loopback",
		"https://0x7f000001":             "loopback",
		"https://0177.0.0.1":             "loopback",
		"https://localhost.":             "localhost",
		"https://0.0.0.0:6443":           "localhost",
		"https://[::ffff:10.0.0.1]":      "local network",
		"https://kubernetes.example.com": "",
		"https://8.8.8.8":                "",
	} {
		got := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token",
			body: `{"name":"b","environment_scope":"b","platform_kubernetes_attributes":{"api_url":"` + url + `","token":"t"}}`})
		if want == "" {
			assert.Equal(t, 201, got.status, url+": "+string(got.body))
			do(t, srv, request{method: "DELETE", path: "/api/v4/projects/1/clusters/" + jsonNumber(got.json(t)["id"]), token: "maintainer-token"})
			continue
		}
		assert.Equal(t, 400, got.status, url)
		assert.Contains(t, string(got.body), want, url)
	}
}

func TestDotSegments(t *testing.T) {
	srv := mocktest.Start(t)
	for _, p := range []string{"/api/v4/projects/1/clusters/./18", "/api/v4/projects/1/clusters/../clusters/18", "/api/v4//projects/1/clusters"} {
		req, _ := http.NewRequest("GET", srv.URL+p, nil)
		req.URL.Opaque = p // keep the dots: Go's client would clean them
		req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 404, resp.StatusCode, p)
		assert.JSONEq(t, `{"error":"404 Not Found"}`, string(body), p)
	}
}

// TestHostileInput: every kind of bad input gets a 4xx error (JSON, or GitLab's malformed-string
// Bad Request) and changes nothing.
func TestHostileInput(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	before := string(s.Export().JSON())
	for _, rq := range []request{
		{method: "POST", path: addCluster, token: "maintainer-token", body: "{\"name\":\"\xff\xfe\",\"environment_scope\":\"u\",\"platform_kubernetes_attributes\":{\"api_url\":\"https://k.example.com\",\"token\":\"t\"}}"},
		{method: "POST", path: addCluster, token: "maintainer-token", contentType: "application/x-www-form-urlencoded", body: "name=%ff&platform_kubernetes_attributes[api_url]=https://k.example.com&platform_kubernetes_attributes[token]=t"},
		{method: "POST", path: addCluster, token: "maintainer-token", body: `[1,2,3]`},
		{method: "POST", path: addCluster, token: "maintainer-token", body: `"just a string"`},
		{method: "POST", path: addCluster, token: "maintainer-token", body: `{"name":{"nested":true},"platform_kubernetes_attributes":[]}`},
		{method: "POST", path: addCluster, token: "maintainer-token", body: strings.Repeat("[", 100000)},
		{method: "PUT", path: cluster18, token: "maintainer-token", body: `{"name":null}`},
		{method: "PUT", path: "/api/v4/projects/1/clusters/99999999999999999999999", token: "maintainer-token", body: `{}`},
		{method: "DELETE", path: "/api/v4/projects/1/clusters/-1", token: "maintainer-token"},
		{method: "GET", path: "/api/v4/projects/1/clusters?page=1e400&per_page=-99999999999999999999", token: "maintainer-token"},
		{method: "GET", path: "/api/v4/projects/99999999999999999999999/clusters", token: "maintainer-token"},
		{method: "BREW", path: cluster18, token: "maintainer-token"},
	} {
		got := do(t, srv, rq)
		assert.True(t, got.status >= 400 && got.status < 500, "%s %s: %d %s", rq.method, rq.path, got.status, got.body)
		malformed := got.header.Get("Content-Type") == "text/plain" && string(got.body) == "Bad Request" // malformed.go
		assert.True(t, json.Valid(got.body) || malformed, "%s %s: %s", rq.method, rq.path, got.body)
	}
	assert.Equal(t, before, string(s.Export().JSON()), "nothing stored was changed")
}

func TestSudo(t *testing.T) {
	seed := mockserver.DefaultSeed()
	seed.Tokens = append(seed.Tokens, mockserver.SeedToken{Token: "admin-no-sudo", UserID: 1, Scopes: []string{"api"}})
	srv := mocktest.Start(t, mockserver.WithSeed(seed))
	cases := []struct {
		name, token, sudo string
		status            int
		body              string
	}{
		{"admin acts as a developer", "root-token", "developer", 403, `{"message":"403 Forbidden"}`},
		{"admin acts as a maintainer, by id", "root-token", "3", 201, `"username":"maintainer"`},
		{"unknown user", "root-token", "nobody", 404, `{"message":"404 User with ID or username 'nobody' Not Found"}`},
		{"not an admin", "maintainer-token", "root", 403, `{"message":"403 Forbidden - Must be admin to use sudo"}`},
		{"no sudo scope", "admin-no-sudo", "developer", 403, `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"sudo"}`},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, srv, request{method: "POST", path: addCluster, token: tc.token, header: map[string]string{"Sudo": tc.sudo},
				body: validBody("sudo", "sudo-"+strconv.Itoa(i))})
			assert.Equal(t, tc.status, got.status, string(got.body))
			if strings.HasPrefix(tc.body, "{") {
				assert.JSONEq(t, tc.body, string(got.body))
			} else {
				assert.Contains(t, string(got.body), tc.body)
			}
		})
	}
	got := do(t, srv, request{method: "GET", path: "/api/v4/user?sudo=guest", token: "root-token"})
	assert.Contains(t, string(got.body), `"username":"guest"`, "sudo as a query parameter")
}
