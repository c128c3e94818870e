package contract_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/testproc"
)

// TestReproCurlIsPasteable: the repro line of a create finding, run by a real shell with the
// variables set as the report says, sends the body the run sent, and the report holds no secret.
func TestReproCurlIsPasteable(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		testproc.NeedTool(t, "sh", err)
	}
	var sent []byte
	srv := startMock(t)
	proxy := drifting(t, srv.URL, func(in exchangeInfo, out *upstream) {
		if isCreate(in, out) && sent == nil {
			sent = in.Body
			eachCluster(out, func(c map[string]any) { delete(c, "cluster_type") })
		}
	})
	// the console report and the JSON report, as glcontract check --write --json writes them
	run := runSuite(t, proxy.URL)
	require.Equal(t, 1, run.ExitCode(), findingTexts(run))
	var console, report bytes.Buffer
	require.NoError(t, contract.WriteConsole(&console, run))
	require.Contains(t, console.String(), "export CLUSTER_TOKEN=...")
	require.Contains(t, console.String(), "export CA_CERT=")
	require.NoError(t, contract.WriteJSON(&report, run))
	var rep contract.Report
	require.NoError(t, json.Unmarshal(report.Bytes(), &rep))
	var line string
	for _, f := range rep.Findings {
		if strings.Contains(f.Curl, "-X POST") {
			line = f.Curl
			break
		}
	}
	require.NotEmpty(t, line, console.String())
	require.NotContains(t, line, "[REDACTED]")

	var want map[string]any
	require.NoError(t, json.Unmarshal(sent, &want))
	pk := want["platform_kubernetes_attributes"].(map[string]any)
	pemFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(pemFile, []byte(strings.TrimSuffix(pk["ca_cert"].(string), "\n")+"\n"), 0o600))

	// curl is a function that prints its --data argument; the variables are set as the report says
	script := `curl() { while [ $# -gt 0 ]; do if [ "$1" = --data ]; then printf '%s' "$2"; fi; shift; done; }
export GITLAB_TOKEN=x
export CLUSTER_TOKEN="$TOKEN_VALUE"
export CA_CERT="$(awk '{printf "%s\\n", $0}' ` + pemFile + `)"
` + line + "\n"
	cmd := testproc.Command(t, sh, "-c", script)
	cmd.Env = append(os.Environ(), "TOKEN_VALUE="+pk["token"].(string))
	out, err := cmd.Output()
	require.NoError(t, err, string(out))
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got), string(out))
	require.Equal(t, want, got)
}
