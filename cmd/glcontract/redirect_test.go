package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// redirecting answers the requests that redirect(r) selects with status and a Location on
// to (same path and query), and forwards the others to the mock.
func redirecting(t *testing.T, mockURL, to string, status int, redirect func(*http.Request) bool) *httptest.Server {
	t.Helper()
	fwd := proxytest.Rewrite(t, mockURL, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if redirect(r) {
			http.Redirect(w, r, to+r.URL.RequestURI(), status)
			return
		}
		proxytest.Forward(w, r, fwd.URL)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCLIRedirectToAnotherOriginIsNotFollowed: whatever redirect the target answers, and
// whichever command, nothing reaches the other origin and the run stops with exit 2.
func TestCLIRedirectToAnotherOriginIsNotFollowed(t *testing.T) {
	all := func(*http.Request) bool { return true }
	writes := func(r *http.Request) bool { return r.Method != http.MethodGet }
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, tc := range []struct {
			name     string
			args     []string
			redirect func(*http.Request) bool
			leftover bool
		}{
			{"check", []string{"check"}, all, false},
			{"check --write", []string{"check", "--write"}, all, false},
			{"check --write, only the create redirected", []string{"check", "--write"}, writes, false},
			{"sweep", []string{"sweep"}, all, false},
			{"sweep, only the delete redirected", []string{"sweep"}, writes, true},
		} {
			t.Run(fmt.Sprintf("%d %s", status, tc.name), func(t *testing.T) {
				mock := mocktest.Start(t)
				if tc.leftover {
					proxytest.CreateCluster(t, mock.URL, rootToken, "glcontract-20250101t000000-abcdef", "glcontract/20250101t000000-abcdef")
				}
				rec := proxytest.NewRecorder(t, false)
				target := redirecting(t, mock.URL, rec.URL, status, tc.redirect)
				env := map[string]string{"GITLAB_TOKEN": rootToken}
				r := glcontract(t, env, append(tc.args, "--url", target.URL, "--project", project)...)
				require.Equal(t, 2, r.code, r.stdout+r.stderr)
				require.Empty(t, rec.Seen(), "the other origin received requests")
				require.Contains(t, r.stderr, "the target redirected "+target.URL+"/api/v4/")
				require.Contains(t, r.stderr, " to "+rec.URL+"/api/v4/")
				require.Contains(t, r.stderr, "glcontract sends your token only to "+target.URL)
				require.NotContains(t, r.stdout+r.stderr, rootToken)
				if tc.redirect(&http.Request{Method: http.MethodPost}) && !tc.redirect(&http.Request{Method: http.MethodGet}) && tc.args[0] == "check" {
					// the create was redirected: nothing was created, nothing is left behind
					require.Empty(t, proxytest.GlcontractClusters(t, mock.URL, rootToken))
				}
			})
		}
	}
}

// TestRedirectHTTPToHTTPSSameHost: users type http://; the message tells them to use https
// and the token is not re-sent.
func TestRedirectHTTPToHTTPSSameHost(t *testing.T) {
	tlsRec := proxytest.NewRecorder(t, true)
	u, _ := url.Parse(tlsRec.URL)
	var hits int
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Redirect(w, r, "https://"+u.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	t.Cleanup(plain.Close)
	var stdout, stderr bytes.Buffer
	client := &contract.Client{HTTP: tlsRec.Client()}
	code := cli{stdout: &stdout, stderr: &stderr, client: client, getenv: func(string) string { return "" }}.run(context.Background(),
		[]string{"check", "--url", plain.URL, "--token", rootToken, "--project", project})
	require.Equal(t, 2, code, stderr.String())
	require.Empty(t, tlsRec.Seen())
	require.Equal(t, 1, hits)
	require.Contains(t, stderr.String(), "use the https URL, --url https://"+u.Host)
}

// TestRedirectSameOriginIsFollowed: a redirect within the target (a moved path) is followed;
// the token goes back to the server it was meant for.
func TestRedirectSameOriginIsFollowed(t *testing.T) {
	mock := mocktest.Start(t)
	fwd := proxytest.Rewrite(t, mock.URL, nil)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/old/") {
			http.Redirect(w, r, strings.TrimPrefix(r.URL.RequestURI(), "/old"), http.StatusMovedPermanently)
			return
		}
		proxytest.Forward(w, r, fwd.URL)
	}))
	t.Cleanup(target.Close)
	r := glcontract(t, map[string]string{"GITLAB_TOKEN": rootToken}, "check", "--url", target.URL+"/old", "--project", project)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
}
