package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestNoSecretInAnyOutput runs the write suite against a server that echoes the secrets it was
// sent (so they end up in findings) and checks that no output carries the API token, the cluster
// token or the CA certificate: console, progress, JSON, JUnit, Markdown and the saved baseline.
func TestNoSecretInAnyOutput(t *testing.T) {
	srv := mocktest.Start(t)
	var clusterToken, caCert string
	proxy := proxytest.Rewrite(t, srv.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		if in.Method == "POST" {
			if tok := in.ClusterAttribute("token"); tok != "" {
				clusterToken = tok
			}
			if ca := in.ClusterAttribute("ca_cert"); ca != "" {
				caCert = ca
			}
		}
		if in.Method == "POST" && out.Status == http.StatusCreated {
			out.EachCluster(func(c map[string]any) {
				c["platform_kubernetes"].(map[string]any)["token"] = clusterToken
				c["domain"] = caCert
			})
			out.Header.Set("X-Echo", rootToken)
		}
		if in.Method == "GET" && out.Status == 404 {
			out.SetJSON(map[string]any{"message": "404 Not found " + rootToken})
		}
	})
	dir := t.TempDir()
	files := map[string]string{}
	for _, f := range []string{"json", "junit", "markdown", "save-baseline"} {
		files[f] = filepath.Join(dir, f)
	}
	var stdout, stderr bytes.Buffer
	code := cli{stdout: &stdout, stderr: &stderr, progress: true, getenv: func(k string) string {
		if k == "GITLAB_TOKEN" {
			return rootToken
		}
		return ""
	}}.run(context.Background(), []string{"check", "--url", proxy.URL, "--project", project, "--write",
		"--json", files["json"], "--junit", files["junit"], "--markdown", files["markdown"], "--save-baseline", files["save-baseline"]})
	require.Equal(t, 1, code, stdout.String()+stderr.String())
	require.NotEmpty(t, clusterToken)
	require.NotEmpty(t, caCert)
	outputs := map[string]string{"stdout": stdout.String(), "stderr (progress)": stderr.String()}
	for name, path := range files {
		b, err := os.ReadFile(path)
		require.NoError(t, err, name)
		outputs[name] = string(b)
	}
	pemBody := strings.Split(strings.TrimSpace(caCert), "\n")[1] // a line of the certificate's base64
	for name, out := range outputs {
		require.NotContains(t, out, rootToken, name)
		require.NotContains(t, out, clusterToken, name)
		require.NotContains(t, out, pemBody, name)
		require.NotContains(t, out, "BEGIN CERTIFICATE", name)
	}
	require.Contains(t, outputs["stdout"], "the cluster token sent by this run came back at $.platform_kubernetes.token")
	require.Contains(t, outputs["stdout"], "the API token sent by this run came back in header X-Echo")
	require.Contains(t, outputs["stdout"], `PRIVATE-TOKEN: $GITLAB_TOKEN`)
	require.Contains(t, outputs["stdout"], `"token":"'"$CLUSTER_TOKEN"'"`, "the repro curl reads the cluster token from the shell")
	require.Contains(t, outputs["stdout"], `"ca_cert":"'"$CA_CERT"'"`)
	require.Contains(t, outputs["stdout"], "export CLUSTER_TOKEN=...")
	for name, out := range outputs {
		require.NotContains(t, out, clusterToken[:len("glcontract-k8s-token-")+8], name) // not even a prefix
	}
}
