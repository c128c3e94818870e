package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/mockserver"
)

const (
	rootToken = "root-token"
	project   = "1"
)

// fastClient retries without waiting, so tests of 5xx handling stay fast.
func fastClient() *contract.Client {
	return contract.SetSleep(&contract.Client{}, func(ctx context.Context, d time.Duration) error { return ctx.Err() })
}

// runSuite runs the whole suite (with --write) against url and fails the test if it cannot run.
func runSuite(t testing.TB, url string, mod ...func(*contract.Config)) *contract.Report {
	t.Helper()
	cfg := contract.Config{URL: url, Token: rootToken, Project: project, Write: true, Client: fastClient()}
	for _, m := range mod {
		m(&cfg)
	}
	rep, err := contract.Run(context.Background(), cfg)
	require.NotNil(t, rep)
	if err != nil && rep.Result != contract.ResultAborted {
		t.Fatalf("run: %v", err)
	}
	return rep
}

// glcontractClusters lists the clusters of project 1 whose name starts with glcontract-, straight from the mock.
func glcontractClusters(t testing.TB, mockURL string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", mockURL+"/api/v4/projects/1/clusters?per_page=100", nil)
	req.Header.Set("PRIVATE-TOKEN", rootToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var items []struct {
		Name string `json:"name"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&items))
	var out []string
	for _, it := range items {
		if strings.HasPrefix(it.Name, "glcontract-") {
			out = append(out, it.Name)
		}
	}
	return out
}

// createCluster adds a cluster to project 1 of the mock.
func createCluster(t testing.TB, mockURL, name, scope string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "environment_scope": scope,
		"platform_kubernetes_attributes": map[string]any{"api_url": "https://kubernetes.example.com", "token": "t0ken-value"}})
	req, _ := http.NewRequest("POST", mockURL+"/api/v4/projects/1/clusters/user", bytes.NewReader(body))
	req.Header.Set("PRIVATE-TOKEN", rootToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode, name)
}

// upstream is a response on its way through the drifting proxy.
type upstream struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body (nil when it is not JSON).
func (u *upstream) JSON() any {
	var v any
	if json.Unmarshal(u.Body, &v) != nil {
		return nil
	}
	return v
}

// SetJSON replaces the body.
func (u *upstream) SetJSON(v any) {
	u.Body, _ = json.Marshal(v)
}

// exchangeInfo is what a mutation may look at.
type exchangeInfo struct {
	Method, Path string // Path is escaped, without /api/v4
	Query        string
	Body         []byte // the request body
	Upstream     string // the mock's URL, for extra requests
}

// drifting starts a proxy in front of the faithful mock that lets mutate change each
// response: the server that drifts from the spec.
func drifting(t testing.TB, mockURL string, mutate func(in exchangeInfo, out *upstream)) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := http.NewRequestWithContext(r.Context(), r.Method, mockURL+r.RequestURI, bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		req.Host = r.Host // as a reverse proxy in front of GitLab does: URLs in bodies name the proxy
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out := &upstream{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: rb}
		path, query, _ := strings.Cut(strings.TrimPrefix(r.RequestURI, "/api/v4"), "?")
		if mutate != nil {
			mu.Lock()
			mutate(exchangeInfo{Method: r.Method, Path: path, Query: query, Body: body, Upstream: mockURL}, out)
			mu.Unlock()
		}
		out.Header.Del("Content-Length")
		for k, vs := range out.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(out.Status)
		w.Write(out.Body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// startMock starts the faithful mock.
func startMock(t testing.TB, opts ...mockserver.Option) *httptest.Server {
	t.Helper()
	return mockserver.Start(t, opts...)
}

// findingTexts renders every finding on one line each, for assertions and failure messages.
func findingTexts(rep *contract.Report) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		b.WriteString(string(f.Severity) + " " + f.String() + "\n")
	}
	return b.String()
}

// liveTarget returns the live GitLab from the environment, or skips.
func liveTarget(t *testing.T) (url, token, project string, write bool) {
	t.Helper()
	url, token = os.Getenv("GITLAB_URL"), os.Getenv("GITLAB_TOKEN")
	if url == "" || token == "" {
		t.Skip("GITLAB_URL and GITLAB_TOKEN are not set: the live-instance run is skipped (the same suite ran against the in-process mock)")
	}
	project = os.Getenv("GITLAB_PROJECT")
	if project == "" {
		t.Skip("GITLAB_PROJECT is not set: the live-instance run needs a project")
	}
	return url, token, project, os.Getenv("GLCONTRACT_LIVE_WRITE") == "1"
}

// refuseFirst is a proxy that answers the first request with the method by a 500 without
// forwarding it, and forwards everything else.
func refuseFirst(t testing.TB, mockURL, method string) *httptest.Server {
	t.Helper()
	var once sync.Once
	inner := drifting(t, mockURL, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refused := false
		if r.Method == method {
			once.Do(func() { refused = true })
		}
		if refused {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"message":"500 Internal Server Error"}`)
			return
		}
		forward(w, r, inner.URL)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// forward sends r on to upstream (same path, query, headers and Host) and copies the answer back.
func forward(w http.ResponseWriter, r *http.Request, upstream string) {
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.RequestURI, r.Body)
	req.Header = r.Header.Clone()
	req.Host = r.Host
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// stringsBuilder is a strings.Builder with a line accessor, for examples.
type stringsBuilder struct{ strings.Builder }

// Line returns the nth line (1-based).
func (b *stringsBuilder) Line(n int) string {
	lines := strings.Split(b.String(), "\n")
	if n-1 < len(lines) {
		return lines[n-1]
	}
	return ""
}
