package contract_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
)

func TestRedactor(t *testing.T) {
	r := contract.NewRedactor("glpat-secret-value", "k8s-token-1234")
	cases := []struct{ in, want string }{
		{"token glpat-secret-value here", "token [REDACTED] here"},
		{"https://gitlab/api/v4/x?private_token=abc&page=2", "https://gitlab/api/v4/x?private_token=[REDACTED]&page=2"},
		{"?access_token=xyz", "?access_token=[REDACTED]"},
		{"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "[REDACTED]"},
		{`"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----"`, `"[REDACTED]"`},
		{"nothing secret", "nothing secret"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, r.String(tc.in), tc.in)
	}
	body := contract.RedactBody(r, []byte(`{"name":"x","platform_kubernetes_attributes":{"token":"k8s-token-1234","ca_cert":"PEM","api_url":"https://k"},"ca_cert":null}`))
	require.Equal(t, `{"ca_cert":null,"name":"x","platform_kubernetes_attributes":{"api_url":"https://k","ca_cert":"[REDACTED]","token":"[REDACTED]"}}`, body)
	h := contract.RedactHeader(r, map[string][]string{"Private-Token": {"glpat-secret-value"}, "Authorization": {"Bearer x"}, "X-Other": {"glpat-secret-value!"}})
	require.Equal(t, "[REDACTED]", h.Get("Private-Token"))
	require.Equal(t, "[REDACTED]", h.Get("Authorization"))
	require.Equal(t, "[REDACTED]!", h.Get("X-Other"))
}

// TestNoSecretInAnyOutput runs the write suite against a server that echoes the secrets it was
// sent (so they end up in findings) and checks that no output carries the API token, the cluster
// token or the CA certificate: console, progress, JSON, JUnit, Markdown and the saved baseline.
func TestNoSecretInAnyOutput(t *testing.T) {
	srv := startMock(t)
	var clusterToken, caCert string
	proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
		if in.Method == "POST" {
			if tok := sentSecret(in.Body, "token"); tok != "" {
				clusterToken = tok
			}
			if ca := sentSecret(in.Body, "ca_cert"); ca != "" {
				caCert = ca
			}
		}
		if isCreate(in, out) {
			eachCluster(out, func(c map[string]any) {
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
	code := contract.Main(context.Background(), []string{"check", "--url", proxy.URL, "--project", project, "--write",
		"--json", files["json"], "--junit", files["junit"], "--markdown", files["markdown"], "--save-baseline", files["save-baseline"]},
		contract.Env{Stdout: &stdout, Stderr: &stderr, Progress: true, Getenv: func(k string) string {
			if k == "GITLAB_TOKEN" {
				return rootToken
			}
			return ""
		}})
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
