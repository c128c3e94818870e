package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestCLIInventoryNeverEndingList: a list whose every page announces a next page was not read
// to its end: inventory says which list and how many pages it read, and exits 3, never 0.
func TestCLIInventoryNeverEndingList(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/v4/version" {
			io.WriteString(w, `{"version":"18.10.0","revision":"endless"}`)
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/clusters") {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"404 Not Found"}`)
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		fmt.Fprintf(w, `[{"id":%d,"name":"page-%d","enabled":false,"managed":true,"environment_scope":"*"}]`, 1000+page, page)
	}))
	t.Cleanup(srv.Close)
	for _, args := range [][]string{{"--project", "7"}, {"--instance"}} {
		t.Run(args[0], func(t *testing.T) {
			js := filepath.Join(t.TempDir(), "inv.json")
			r := glcontract(t, map[string]string{"GITLAB_TOKEN": rootToken}, append([]string{"inventory", "--url", srv.URL, "--json", js}, args...)...)
			require.Equal(t, 3, r.code, r.stdout+r.stderr)
			want := "did not end within 200 pages (200 read, 200 clusters"
			require.Contains(t, r.stdout, want)
			require.Contains(t, r.stdout, "Result (exit 3): incomplete")
			var inv contract.Inventory
			b, err := os.ReadFile(js)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &inv))
			require.Equal(t, 3, inv.Exit)
			require.Len(t, inv.Problems, 1)
			require.Contains(t, inv.Problems[0].Message, want)
			require.Contains(t, inv.Problems[0].Message, "GET "+map[string]string{"--project": "/projects/7/clusters", "--instance": "/admin/clusters"}[args[0]])
		})
	}
}

// TestCLIInventoryEchoedTokenIsRedacted: a target that copies the token it receives into a
// cluster name, an environment scope, a discovered project path and a 404 message gets it
// printed nowhere: console, JSON, Markdown, stderr.
func TestCLIInventoryEchoedTokenIsRedacted(t *testing.T) {
	const token = "glpat-echoed-secret-0123"
	mock := mocktest.Start(t)
	proxy := proxytest.Rewrite(t, mock.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		switch {
		case strings.HasPrefix(in.Path, "/discover-cert-based-clusters"):
			var found map[string]map[string][]map[string]any
			if json.Unmarshal(out.Body, &found) == nil {
				projects := map[string][]map[string]any{}
				for path, cs := range found["projects"] {
					for _, c := range cs {
						c["name"] = fmt.Sprint(c["name"], " ", token)
					}
					projects[path+"-"+token] = cs
				}
				found["projects"] = projects
				out.SetJSON(found)
			}
		case out.Status == http.StatusNotFound:
			out.SetJSON(map[string]any{"message": "404 Project " + token + " Not Found"})
		default:
			out.EachCluster(func(c map[string]any) {
				c["name"] = fmt.Sprint(c["name"], " ", token)
				c["environment_scope"] = token
			})
		}
	})
	// the mock accepts only its own tokens: the proxy swaps ours for a maintainer's (whom
	// discovery answers; admin status does not count)
	swap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Private-Token") == token {
			r.Header.Set("Private-Token", "maintainer-token")
		}
		req, _ := http.NewRequest(r.Method, proxy.URL+r.RequestURI, r.Body)
		req.Header = r.Header.Clone()
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
	}))
	t.Cleanup(swap.Close)

	dir := t.TempDir()
	js, md := filepath.Join(dir, "inv.json"), filepath.Join(dir, "inv.md")
	r := glcontract(t, map[string]string{"GITLAB_TOKEN": token}, "inventory", "--url", swap.URL, "--group", "10", "--project", "1",
		"--project", "missing/project", "--instance", "--json", js, "--markdown", md)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "cluster-1 [REDACTED]", "the echo reached the table (redacted)")
	require.Contains(t, r.stdout, "404 Project [REDACTED] Not Found")
	require.Contains(t, r.stdout, "demo-group/demo-[REDACTED]", "a discovered project path")
	outputs := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	for _, f := range []string{js, md} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		outputs[filepath.Base(f)] = string(b)
	}
	for name, out := range outputs {
		require.NotContains(t, out, token, name)
		require.NotContains(t, out, "echoed-secret", name)
	}
}
