// Package proxytest puts test doubles in front of a GitLab (glmock in the tests): a proxy that
// rewrites answers, and one that refuses the first request. It also reads and seeds the
// clusters behind them, so that the contract and cmd/glcontract tests share one copy.
package proxytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Upstream is a response on its way through a Rewrite proxy; the rewrite may change any of it.
type Upstream struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body (nil when it is not JSON).
func (u *Upstream) JSON() any {
	var v any
	if json.Unmarshal(u.Body, &v) != nil {
		return nil
	}
	return v
}

// SetJSON replaces the body.
func (u *Upstream) SetJSON(v any) {
	u.Body, _ = json.Marshal(v)
}

// EachCluster applies fn to every cluster of a successful response (one cluster or a list).
func (u *Upstream) EachCluster(fn func(map[string]any)) {
	if u.Status/100 != 2 {
		return
	}
	switch v := u.JSON().(type) {
	case map[string]any:
		if _, ok := v["cluster_type"]; ok || v["platform_kubernetes"] != nil {
			fn(v)
		}
		u.SetJSON(v)
	case []any:
		for _, it := range v {
			if m, ok := it.(map[string]any); ok {
				fn(m)
			}
		}
		u.SetJSON(v)
	}
}

// Exchange is the request a rewrite may look at.
type Exchange struct {
	Method, Path string // Path is escaped, without /api/v4
	Query        string
	Body         []byte // the request body
	Upstream     string // the upstream's URL, for extra requests
}

// ClusterAttribute reads a value of platform_kubernetes_attributes from the request body
// (the cluster token, the CA certificate), "" when there is none.
func (e Exchange) ClusterAttribute(key string) string {
	var req struct {
		Attrs map[string]string `json:"platform_kubernetes_attributes"`
	}
	json.Unmarshal(e.Body, &req)
	return req.Attrs[key]
}

// Rewrite starts a proxy in front of upstreamURL that lets rewrite change each response (nil:
// a plain reverse proxy): a server that drifts from the spec. Calls to rewrite are serialised.
// The proxy is closed when the test ends.
func Rewrite(tb testing.TB, upstreamURL string, rewrite func(in Exchange, out *Upstream)) *httptest.Server {
	tb.Helper()
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := http.NewRequestWithContext(r.Context(), r.Method, upstreamURL+r.RequestURI, bytes.NewReader(body))
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
		out := &Upstream{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: rb}
		path, query, _ := strings.Cut(strings.TrimPrefix(r.RequestURI, "/api/v4"), "?")
		if rewrite != nil {
			mu.Lock()
			rewrite(Exchange{Method: r.Method, Path: path, Query: query, Body: body, Upstream: upstreamURL}, out)
			mu.Unlock()
		}
		out.Header.Del("Content-Length")
		for k, vs := range out.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(out.Status)
		w.Write(out.Body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// RefuseFirst is a proxy that answers the first request with the method by a 500 without
// forwarding it, and forwards everything else.
func RefuseFirst(tb testing.TB, upstreamURL, method string) *httptest.Server {
	tb.Helper()
	var once sync.Once
	inner := Rewrite(tb, upstreamURL, nil)
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
		Forward(w, r, inner.URL)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// Forward sends r on to upstreamURL (same path, query, headers and Host) and copies the answer
// back: the building block of a handler that intercepts only some requests.
func Forward(w http.ResponseWriter, r *http.Request, upstreamURL string) {
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, upstreamURL+r.RequestURI, r.Body)
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
