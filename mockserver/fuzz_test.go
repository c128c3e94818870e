package mockserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// The fuzz targets drive the handler in-process (no sockets) and hold every response to the
// same invariants:
//
//   - no panic and no 5xx;
//   - a rejected request (status >= 400), and any GET or HEAD, leaves the state unchanged;
//   - a successful create adds one cluster, a successful delete removes one, a successful
//     update keeps the count;
//   - under /api/v4 and the control API every response but 204 and redirects is JSON with
//     Content-Type application/json;
//   - every response of a spec operation is valid against openapi.yaml (StartServer's checker).
//
// One Server per fuzz process is shared by the iterations; after a request that changed the
// state it is reset to the default seed, so every input meets the same state.

// fzServer is the shared Server plus what its spec checker reported for the current request.
type fzServer struct {
	srv      *mockserver.Server
	mu       sync.Mutex
	specErrs []string
}

// fzSpecTB is the testing.TB given to StartServer: the spec checker's complaints are collected
// for the current iteration instead of failing the fuzz target (*testing.F must not be used
// inside the fuzz function).
type fzSpecTB struct {
	testing.TB
	fs *fzServer
}

func (s fzSpecTB) Helper() {}

func (s fzSpecTB) Errorf(format string, args ...any) {
	s.fs.mu.Lock()
	s.fs.specErrs = append(s.fs.specErrs, fmt.Sprintf(format, args...))
	s.fs.mu.Unlock()
}

func newFzServer(f *testing.F) *fzServer {
	fs := &fzServer{}
	fs.srv, _ = mocktest.StartServer(fzSpecTB{TB: f, fs: fs})
	return fs
}

func (fs *fzServer) export(t *testing.T) (*mockserver.Seed, []byte) {
	t.Helper()
	s := fs.srv.Export()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return s, raw
}

// exchange serves req and checks the invariants. It returns the recorded response.
func (fs *fzServer) exchange(t *testing.T, req *http.Request, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	fs.mu.Lock()
	fs.specErrs = nil
	fs.mu.Unlock()
	before, beforeRaw := fs.export(t)
	rec := httptest.NewRecorder()
	fs.srv.ServeHTTP(rec, req)
	after, afterRaw := fs.export(t)
	changed := !bytes.Equal(beforeRaw, afterRaw)
	if changed {
		defer func() {
			if err := fs.srv.Reset(nil); err != nil {
				t.Fatalf("reset: %v", err)
			}
		}()
	}

	what := func() string {
		return fmt.Sprintf("%s %s\nrequest headers: %q\nrequest body: %q\nresponse %d: %q",
			req.Method, req.RequestURI, req.Header, body, rec.Code, rec.Body.String())
	}
	status := rec.Code
	if status >= 500 {
		t.Fatalf("5xx:\n%s", what())
	}
	if changed && (status >= 400 || req.Method == http.MethodGet || req.Method == http.MethodHead) {
		t.Fatalf("state changed by a request that must not change it:\n%s\nbefore: %s\nafter:  %s", what(), beforeRaw, afterRaw)
	}
	api := strings.HasPrefix(req.URL.Path, "/api/v4/")
	if api && status < 300 {
		delta := len(after.Clusters) - len(before.Clusters)
		want := 0
		switch req.Method {
		case http.MethodPost:
			want = 1
		case http.MethodDelete:
			want = -1
		}
		if delta != want {
			t.Fatalf("%d answered but the cluster count changed by %d (want %d):\n%s", status, delta, want, what())
		}
	}
	jsonAPI := api || strings.HasPrefix(req.URL.Path, mockserver.ControlPrefix)
	// GitLab's HandleMalformedStrings answers in text/plain, before the API (malformed.go).
	malformed := status == http.StatusBadRequest && rec.Header().Get("Content-Type") == "text/plain" && rec.Body.String() == "Bad Request"
	if jsonAPI && !malformed && status != http.StatusNoContent && (status < 300 || status >= 400) {
		if ct := rec.Header().Values("Content-Type"); len(ct) != 1 || ct[0] != "application/json" {
			t.Fatalf("Content-Type %q, want application/json:\n%s", ct, what())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("body is not JSON:\n%s", what())
		}
	}
	if status >= 300 && status < 400 && rec.Header().Get("Location") == "" {
		t.Fatalf("redirect without Location:\n%s", what())
	}
	fs.mu.Lock()
	specErrs := fs.specErrs
	fs.mu.Unlock()
	if len(specErrs) > 0 {
		t.Fatalf("response breaks openapi.yaml:\n%s\n%s", what(), strings.Join(specErrs, "\n"))
	}
	return rec
}

// fzBuildRequest makes the request a net/http server would hand the handler for this request
// line, headers and body; ok is false when such a request could not reach the handler (the
// server, or the client, would refuse it first).
func fzBuildRequest(method, target string, header http.Header, body []byte) (req *http.Request, ok bool) {
	if !fzIsToken(method) || method == http.MethodConnect {
		return nil, false
	}
	if !strings.HasPrefix(target, "/") || strings.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, false
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, false
	}
	h := http.Header{}
	for name, values := range header {
		if !fzIsToken(name) {
			return nil, false
		}
		for _, v := range values {
			if !fzValidHeaderValue(v) {
				return nil, false
			}
			// The server trims leading and trailing blanks of field values.
			h.Add(name, strings.Trim(v, " \t"))
		}
	}
	req = &http.Request{
		Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Host: "gitlab.example.com", RemoteAddr: "192.0.2.10:40000", Body: http.NoBody,
	}
	if len(body) > 0 {
		req.Body = fzReadCloser{bytes.NewReader(body)}
		req.ContentLength = int64(len(body))
	}
	return req, true
}

type fzReadCloser struct{ *bytes.Reader }

func (fzReadCloser) Close() error { return nil }

// fzIsToken is RFC 9110's token: what a method or a header name may be.
func fzIsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c <= ' ' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 || c == 0x7f {
			return false
		}
	}
	return true
}

// fzValidHeaderValue: no control characters but horizontal tab.
func fzValidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

const (
	fzClusters = "/api/v4/projects/1/clusters"
	fzCluster  = "/api/v4/projects/1/clusters/18"
	fzCreate   = "/api/v4/projects/1/clusters/user"
	fzValid    = `{"name":"fuzz","environment_scope":"fuzz/*","platform_kubernetes_attributes":{"api_url":"https://kubernetes.example.com","token":"t"}}`
	fzForm     = "name=fuzz&environment_scope=fuzz%2F%2A&platform_kubernetes_attributes%5Bapi_url%5D=https%3A%2F%2Fkubernetes.example.com&platform_kubernetes_attributes%5Btoken%5D=t"
	fzBoundary = "fuzzboundary"
)

func fzMultipart(fields ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(fields); i += 2 {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", fzBoundary, fields[i], fields[i+1])
	}
	return b.String() + "--" + fzBoundary + "--\r\n"
}

// fzBodySeeds are bodies for create and update, valid and not, in every accepted encoding.
func fzBodySeeds(f *testing.F) {
	mp := "multipart/form-data; boundary=" + fzBoundary
	for _, s := range []struct{ ct, body string }{
		{"application/json", fzValid},
		{"application/json; charset=utf-8", `{"name":"a","environment_scope":"prod","domain":"example.org","enabled":false,"managed":false,"namespace_per_environment":false,"management_project_id":2,"platform_kubernetes_attributes":{"api_url":"https://35.111.51.20","token":"tok","namespace":"Some-NS","authorization_type":"abac","ca_cert":""}}`},
		{"application/json", `{"name":"  ","environment_scope":"","platform_kubernetes_attributes":{"api_url":"http://127.0.0.1","token":" "}}`},
		{"application/json", `{"name":"x","environment_scope":"*","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`},
		{"application/json", `{"name":"x","environment_scope":"bad#scope","domain":"-bad-.example..com","platform_kubernetes_attributes":{"api_url":"ftp://k","token":"t","namespace":"gitlab-managed-apps","ca_cert":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}}`},
		{"application/json", `{"management_project_id":1e300,"enabled":"true","platform_kubernetes_attributes":[]}`},
		{"application/json", `{"name":"x","platform_kubernetes_attributes":{"api_url":"https://[::1]:6443","token":"t"}} trailing`},
		{"application/json", `[]`},
		{"application/json", `null`},
		{"application/json", `{"name":`},
		{"application/json", "{\"name\":\"\u00e9\u00e8\ufffd\",\"environment_scope\":\"\\u0000\"}"},
		{"application/x-www-form-urlencoded", fzForm},
		{"application/x-www-form-urlencoded", "name=a&platform_kubernetes_attributes[api_url]=https://k.example.com&platform_kubernetes_attributes[token]=t&platform_kubernetes_attributes=x&enabled=maybe"},
		{"application/x-www-form-urlencoded", "platform_kubernetes_attributes[api_url=x&[=y&]=z&name[]=1&%zz"},
		{mp, fzMultipart("name", "mp", "environment_scope", "mp/*", "platform_kubernetes_attributes[api_url]", "https://k.example.com", "platform_kubernetes_attributes[token]", "t")},
		{mp, "--" + fzBoundary + "\r\nContent-Disposition: form-data\r\n\r\nx\r\n--" + fzBoundary},
		{"multipart/form-data", fzMultipart("name", "x")},
		{"text/plain", "name=a"},
		{"", fzValid},
		{"application/json;;;", `{}`},
		{"", ""},
	} {
		f.Add(s.ct, []byte(s.body))
	}
}

// FuzzCreateBody posts arbitrary bodies under arbitrary content types to the create endpoint
// as a Maintainer of project 1.
func FuzzCreateBody(f *testing.F) {
	fzBodySeeds(f)
	fs := newFzServer(f)
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		h := http.Header{"Private-Token": {"maintainer-token"}}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		req, ok := fzBuildRequest(http.MethodPost, fzCreate, h, body)
		if !ok {
			t.Skip("not a request a server would pass on")
		}
		rec := fs.exchange(t, req, body)
		if rec.Code != http.StatusCreated && rec.Code != http.StatusBadRequest &&
			rec.Code != http.StatusUnsupportedMediaType {
			t.Fatalf("create answered %d, want 201, 400 or 415: %s", rec.Code, rec.Body)
		}
	})
}

// FuzzUpdateBody puts arbitrary bodies under arbitrary content types to cluster 18.
func FuzzUpdateBody(f *testing.F) {
	fzBodySeeds(f)
	f.Add("application/json", []byte(`{"name":"renamed","environment_scope":"*"}`))
	f.Add("application/json", []byte(`{"environment_scope":"other"}`))
	f.Add("application/json", []byte(`{"platform_kubernetes_attributes":{"token":"  ","namespace":""}}`))
	f.Add("application/json", []byte(`{"domain":"","management_project_id":4}`))
	fs := newFzServer(f)
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		h := http.Header{"Private-Token": {"maintainer-token"}}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		req, ok := fzBuildRequest(http.MethodPut, fzCluster, h, body)
		if !ok {
			t.Skip("not a request a server would pass on")
		}
		rec := fs.exchange(t, req, body)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest &&
			rec.Code != http.StatusUnsupportedMediaType {
			t.Fatalf("update answered %d, want 200, 400 or 415: %s", rec.Code, rec.Body)
		}
	})
}

var fzTokens = []string{"", "root-token", "maintainer-token", "developer-token", "reporter-token", "outsider-token", "readonly-token", "nope"}

// FuzzPathAndQuery sends arbitrary methods, raw paths and raw query strings. POST and PUT
// carry a valid body, so that the routes that write are reached.
func FuzzPathAndQuery(f *testing.F) {
	for _, s := range []struct {
		method, path, query string
		tok                 uint8
	}{
		{"GET", fzClusters, "", 1},
		{"GET", fzClusters, "page=2&per_page=1", 2},
		{"GET", fzClusters, "per_page=0", 1},
		{"GET", fzClusters, "per_page=-5&page=-1", 1},
		{"GET", fzClusters, "per_page=1000&page=99999999999999999999", 1},
		{"GET", fzClusters, "page=1e3&per_page=1.5", 1},
		{"GET", fzClusters, "private_token=maintainer-token&page=%zz", 0},
		{"GET", fzClusters, "access_token=developer-token", 0},
		{"GET", fzClusters, "private_token=&access_token=root-token;x=1", 0},
		{"GET", fzCluster, "", 3},
		{"HEAD", fzCluster, "", 3},
		{"GET", "/api/v4/projects/demo-group%2Fdemo/clusters/18", "", 2},
		{"GET", "/api/v4/projects/Demo-Group%2fDEMO/clusters", "", 2},
		{"GET", "/api/v4/projects/demo-group/demo/clusters", "", 2},
		{"GET", "/api/v4/projects/%2e%2e/clusters", "", 1},
		{"GET", "/api/v4/projects/+1/clusters", "", 1},
		{"GET", "/api/v4/projects/-1/clusters/18", "", 1},
		{"GET", "/api/v4/projects/1/clusters/99999999999999999999", "", 1},
		{"GET", "/api/v4/projects/1/clusters/-18", "", 1},
		{"GET", "/api/v4/projects/1/clusters/0x12", "", 1},
		{"GET", "/api/v4/projects/1/clusters/18/", "", 1},
		{"GET", "/api/v4/projects/1//clusters", "", 1},
		{"GET", "/api/v4/projects/1/clusters/../clusters/18", "", 1},
		{"GET", "/api/v4/projects/1/clusters/%31%38", "", 1},
		{"GET", "/api/v4/projects/4/clusters", "", 5},
		{"GET", "/api/v4/projects/3/clusters", "", 5},
		{"GET", "/api/v4/version", "", 6},
		{"GET", "/api/v4/user", "", 0},
		{"GET", "/-/health", "", 0},
		{"GET", "/", "", 0},
		{"GET", "/-/mock/state", "secrets=true", 1},
		{"GET", "/-/mock/requests", "status=x&method=get", 1},
		{"GET", "/-/mock/features", "", 2},
		{"PUT", "/-/mock/features/certificate_based_clusters", "", 1},
		{"PUT", "/-/mock/state", "", 1},
		{"POST", "/-/mock/faults", "", 1},
		{"POST", "/-/mock/reset", "", 1},
		{"DELETE", "/-/mock/faults/abc", "", 1},
		{"DELETE", "/-/mock/requests", "", 1},
		{"POST", fzCreate, "", 2},
		{"POST", "/api/v4/projects/2/clusters/user", "", 2},
		{"POST", fzCreate, "", 6},
		{"POST", fzClusters, "", 1},
		{"PUT", fzCluster, "", 1},
		{"PUT", "/api/v4/projects/1/clusters/19", "", 1},
		{"DELETE", fzCluster, "", 1},
		{"DELETE", fzCreate, "", 1},
		{"DELETE", "/api/v4/projects/1/clusters/18.0", "", 2},
		{"PATCH", fzCluster, "", 1},
		{"OPTIONS", fzClusters, "", 1},
		{"get", fzClusters, "", 1},
	} {
		f.Add(s.method, s.path, s.query, s.tok)
	}
	fs := newFzServer(f)
	f.Fuzz(func(t *testing.T, method, path, query string, tok uint8) {
		target := path
		if query != "" {
			target += "?" + query
		}
		h := http.Header{}
		if tk := fzTokens[int(tok)%len(fzTokens)]; tk != "" {
			h.Set("Private-Token", tk)
		}
		var body []byte
		if method == http.MethodPost || method == http.MethodPut {
			body = []byte(fzValid)
			h.Set("Content-Type", "application/json")
		}
		req, ok := fzBuildRequest(method, target, h, body)
		if !ok {
			t.Skip("not a request a server would pass on")
		}
		fs.exchange(t, req, body)
	})
}

// fzOps are the requests FuzzHeaders decorates with its headers.
var fzOps = []struct{ method, path string }{
	{"GET", fzClusters}, {"GET", fzCluster}, {"POST", fzCreate}, {"PUT", fzCluster},
	{"DELETE", fzCluster}, {"GET", "/api/v4/user"}, {"GET", "/api/v4/version"}, {"HEAD", fzClusters},
}

// fzHopHeaders would change how the request is framed rather than what it says.
var fzHopHeaders = map[string]bool{"Content-Length": true, "Transfer-Encoding": true, "Host": true,
	"Connection": true, "Te": true, "Trailer": true, "Upgrade": true, "Expect": true}

// FuzzHeaders varies the headers of each operation: PRIVATE-TOKEN, Authorization,
// Content-Type, If-Unmodified-Since and one more header of any name.
func FuzzHeaders(f *testing.F) {
	for _, s := range []struct {
		op                                   uint8
		privateToken, authorization, ct, ius string
		name, value                          string
	}{
		{0, "maintainer-token", "", "", "", "", ""},
		{0, "", "Bearer developer-token", "", "", "", ""},
		{0, "", "bearer   root-token  ", "", "", "", ""},
		{0, "", "Bearer", "", "", "", ""},
		{0, "", "Basic cm9vdDpwYXNz", "", "", "", ""},
		{0, "nope", "Bearer root-token", "", "", "", ""},
		{0, "maintainer-token", "", "", "", "X-Forwarded-Proto", "https"},
		{0, "maintainer-token", "", "", "", "Private-Token", "root-token"},
		{1, "reporter-token", "", "", "", "", ""},
		{2, "maintainer-token", "", "application/json", "", "", ""},
		{2, "maintainer-token", "", "application/x-www-form-urlencoded", "", "", ""},
		{2, "maintainer-token", "", "APPLICATION/JSON; charset=\"utf-8\"", "", "", ""},
		{2, "maintainer-token", "", "text/plain", "", "", ""},
		{2, "maintainer-token", "", "multipart/form-data", "", "", ""},
		{2, "readonly-token", "", "application/json", "", "", ""},
		{3, "root-token", "", "application/json", "", "", ""},
		{3, "developer-token", "", "application/json", "", "", ""},
		{4, "maintainer-token", "", "", "Wed, 02 Jan 2019 20:18:12 GMT", "", ""},
		{4, "maintainer-token", "", "", "Mon, 01 Jan 2018 00:00:00 GMT", "", ""},
		{4, "maintainer-token", "", "", "Sunday, 06-Nov-94 08:49:37 GMT", "", ""},
		{4, "maintainer-token", "", "", "Sun Nov  6 08:49:37 1994", "", ""},
		{4, "maintainer-token", "", "", "not a date", "", ""},
		{4, "maintainer-token", "", "", "Fri, 31 Dec 9999 23:59:59 GMT", "", ""},
		{4, "readonly-token", "", "", "", "", ""},
		{5, "", "Bearer readonly-token", "", "", "", ""},
		{6, "guest-token", "", "", "", "Accept", "text/html"},
		{7, "maintainer-token", "", "", "", "", ""},
	} {
		f.Add(s.op, s.privateToken, s.authorization, s.ct, s.ius, s.name, s.value)
	}
	fs := newFzServer(f)
	f.Fuzz(func(t *testing.T, op uint8, privateToken, authorization, contentType, ius, name, value string) {
		o := fzOps[int(op)%len(fzOps)]
		h := http.Header{}
		set := func(k, v string) {
			if v != "" {
				h[k] = append(h[k], v)
			}
		}
		set("Private-Token", privateToken)
		set("Authorization", authorization)
		set("Content-Type", contentType)
		set("If-Unmodified-Since", ius)
		if name != "" {
			if !fzIsToken(name) || fzHopHeaders[http.CanonicalHeaderKey(name)] {
				t.Skip("not a header that leaves the request's framing alone")
			}
			set(http.CanonicalHeaderKey(name), value)
		}
		var body []byte
		if o.method == http.MethodPost || o.method == http.MethodPut {
			body = []byte(fzValid)
			if strings.Contains(strings.ToLower(contentType), "x-www-form-urlencoded") {
				body = []byte(fzForm)
			}
		}
		req, ok := fzBuildRequest(o.method, o.path, h, body)
		if !ok {
			t.Skip("not a request a server would pass on")
		}
		fs.exchange(t, req, body)
	})
}
