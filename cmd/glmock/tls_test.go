package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// trustingClient is an HTTP client that trusts only the certificates in caFile.
func trustingClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pool, err := caPool(caFile)
	require.NoError(t, err)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
}

// getClusters lists project 1's clusters at base with client, and returns the status and body.
func getClusters(t *testing.T, client *http.Client, base string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v4/projects/1/clusters", nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// createCluster creates a cluster in project 1 over base and returns its id.
func createCluster(t *testing.T, client *http.Client, base, scope string) int {
	t.Helper()
	body := `{"name":"tls","environment_scope":"` + scope + `","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`
	req, _ := http.NewRequest("POST", base+"/api/v4/projects/1/clusters/user", strings.NewReader(body))
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var c struct{ ID int }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
	require.Equal(t, 201, resp.StatusCode)
	return c.ID
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func sans(t *testing.T, certFile string) []string {
	t.Helper()
	block, _ := pem.Decode(readFile(t, certFile))
	require.NotNil(t, block)
	c, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// plainHTTPToTLSPort sends plain http to a TLS port: Go's server answers 400 and says why.
func plainHTTPToTLSPort(t *testing.T, addr string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/-/health")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(body), "Client sent an HTTP request to an HTTPS server")
}

// TestTLSAutoRestart: glmock --tls-auto DIR serves https that a client trusting only
// DIR/ca.pem accepts; web_url fields are https; the keys are 0600; plain http to the port gets
// a clear 400; `glmock healthcheck` verifies against the CA. A restart reuses the CA and the
// server certificate (same bytes), so the first client still trusts it, and --state keeps the
// ids; a new --tls-host makes a new server certificate under the same CA.
func TestTLSAutoRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls") // made by glmock
	state := filepath.Join(t.TempDir(), "state.json")
	args := []string{"--addr", "127.0.0.1:0", "--tls-auto", dir, "--state", state}
	addr, logs, stop := runMain(t, args, nil)
	caFile := filepath.Join(dir, "ca.pem")
	assert.Contains(t, logs.String(), `"tls":"auto","ca":"`+caFile+`"`)
	for _, key := range []string{"ca-key.pem", "server-key.pem"} {
		fi, err := os.Stat(filepath.Join(dir, key))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), key)
	}
	assert.ElementsMatch(t, []string{"localhost", "127.0.0.1", "::1"}, sans(t, filepath.Join(dir, "server.pem")))
	client := trustingClient(t, caFile)
	_, port, _ := net.SplitHostPort(addr)
	base := "https://localhost:" + port
	id := createCluster(t, client, base, "tls-restart")
	status, body := getClusters(t, client, base)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, `"web_url":"https://localhost:`+port+`/root"`, "web_url follows the scheme and the port")
	// 127.0.0.1 is in the certificate too.
	status, _ = getClusters(t, client, "https://"+addr)
	assert.Equal(t, 200, status)
	plainHTTPToTLSPort(t, addr)
	_, err := http.Get("https://" + addr + "/-/health")
	require.Error(t, err, "a client that does not trust the CA refuses the certificate")
	env := map[string]string{"GLMOCK_ADDR": addr, "GLMOCK_TLS_AUTO": dir}
	code, _, errOut := runRefused(t, []string{"healthcheck"}, env)
	assert.Equal(t, 0, code, "healthcheck over https against DIR/ca.pem: %s", errOut)
	code, _, errOut = runRefused(t, []string{"healthcheck", "--url", "https://" + addr + "/-/health"}, nil)
	assert.Equal(t, 1, code, "without the CA the check fails: %s", errOut)
	assert.Contains(t, errOut, "certificate signed by unknown authority")
	require.Equal(t, 0, stop())

	ca, server := readFile(t, caFile), readFile(t, filepath.Join(dir, "server.pem"))
	addr, _, stop = runMain(t, args, nil)
	assert.Equal(t, ca, readFile(t, caFile), "a restart reuses the CA")
	assert.Equal(t, server, readFile(t, filepath.Join(dir, "server.pem")), "and the server certificate for the same hosts")
	status, body = getClusters(t, client, "https://"+addr)
	require.Equal(t, 200, status, "the first client still trusts the restarted glmock: %s", body)
	assert.Contains(t, body, `"id":`+itoa(id)+`,`, "the state file kept the cluster and its id")
	require.Equal(t, 0, stop())

	addr, _, stop = runMain(t, append(args, "--tls-host", "glmock", "--external-url", "https://mock.example.test:8443"), map[string]string{"GLMOCK_TLS_HOST": "other.example.test"})
	assert.Equal(t, ca, readFile(t, caFile), "another host list keeps the CA")
	assert.NotEqual(t, server, readFile(t, filepath.Join(dir, "server.pem")), "and makes a new server certificate")
	assert.ElementsMatch(t, []string{"localhost", "127.0.0.1", "::1", "mock.example.test", "glmock", "other.example.test"}, sans(t, filepath.Join(dir, "server.pem")),
		"--external-url's host, and the names of --tls-host and GLMOCK_TLS_HOST together")
	status, body = getClusters(t, client, "https://"+addr)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, `"web_url":"https://mock.example.test:8443/root"`, "--external-url wins")
	require.Equal(t, 0, stop())
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

// TestTLSAutoRenewsExpiring: a server certificate within 30 days of its end is made anew at
// start, under the same CA.
func TestTLSAutoRenewsExpiring(t *testing.T) {
	dir := t.TempDir()
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	_, err := autoTLS(dir, hosts, time.Now())
	require.NoError(t, err)
	ca, server := readFile(t, filepath.Join(dir, "ca.pem")), readFile(t, filepath.Join(dir, "server.pem"))
	_, err = autoTLS(dir, hosts, time.Now().Add(300*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, server, readFile(t, filepath.Join(dir, "server.pem")), "97 days left: kept")
	_, err = autoTLS(dir, hosts, time.Now().Add(380*24*time.Hour))
	require.NoError(t, err)
	assert.NotEqual(t, server, readFile(t, filepath.Join(dir, "server.pem")), "17 days left: renewed")
	assert.Equal(t, ca, readFile(t, filepath.Join(dir, "ca.pem")), "under the same CA")
}

// writePair writes a self-signed ECDSA certificate for hosts and its key to dir.
func writePair(t *testing.T, dir, name string, hosts ...string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	certPEM, keyPEM, err := encodePair(der, key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	require.NoError(t, os.WriteFile(certFile, certPEM, 0o644))
	require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600))
	return certFile, keyFile
}

// TestTLSGivenPair: --tls-cert and --tls-key (or GLMOCK_TLS_CERT and GLMOCK_TLS_KEY) serve the
// given pair; a client trusting that certificate accepts it, and healthcheck verifies against it.
func TestTLSGivenPair(t *testing.T) {
	cert, key := writePair(t, t.TempDir(), "mock", "mock.example.test", "127.0.0.1")
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--tls-cert", cert, "--tls-key", key}, nil},
		{nil, map[string]string{"GLMOCK_TLS_CERT": cert, "GLMOCK_TLS_KEY": key}},
	} {
		addr, logs, stop := runMain(t, append([]string{"--addr", "127.0.0.1:0", "--external-url", "https://mock.example.test"}, tc.args...), tc.env)
		assert.Contains(t, logs.String(), `"tls":"given","ca":"`+cert+`"`)
		status, body := getClusters(t, trustingClient(t, cert), "https://"+addr)
		assert.Equal(t, 200, status, body)
		assert.Contains(t, body, `"web_url":"https://mock.example.test/root"`)
		plainHTTPToTLSPort(t, addr)
		code, _, errOut := runRefused(t, []string{"healthcheck"}, map[string]string{"GLMOCK_ADDR": addr, "GLMOCK_TLS_CERT": cert})
		assert.Equal(t, 0, code, errOut)
		code, _, errOut = runRefused(t, []string{"healthcheck", "--url", "https://" + addr + "/-/health", "--tls-ca", cert}, nil)
		assert.Equal(t, 0, code, errOut)
		assert.Equal(t, 0, stop())
	}
}

// tlsMistakes are TLS configurations glmock refuses with exit 2, naming the flag.
func tlsMistakes(t *testing.T) []struct {
	args []string
	env  string
	want string
} {
	dir := t.TempDir()
	cert, key := writePair(t, dir, "a", "localhost")
	_, otherKey := writePair(t, dir, "b", "localhost")
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	missing := filepath.Join(dir, "missing.pem")
	// As root every directory is writable; a path through a file is not one glmock can create.
	unwritable := filepath.Join(notPEM, "tls")
	halfCA := filepath.Join(dir, "half")
	require.NoError(t, os.MkdirAll(halfCA, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(halfCA, "ca.pem"), readFile(t, cert), 0o644))
	return []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--tls-cert", missing, "--tls-key", key}, "", "--tls-cert: open " + missing + ": no such file"},
		{[]string{"--tls-cert", cert, "--tls-key", missing}, "", "--tls-key: open " + missing + ": no such file"},
		{[]string{"--tls-cert", notPEM, "--tls-key", key}, "", "--tls-cert " + notPEM + ": no PEM certificate"},
		{[]string{"--tls-cert", cert, "--tls-key", otherKey}, "", "--tls-key " + otherKey + " does not go with --tls-cert " + cert},
		{[]string{"--tls-cert", cert}, "", "--tls-cert " + cert + " needs --tls-key FILE"},
		{nil, "GLMOCK_TLS_KEY=" + key, "--tls-key " + key + " needs --tls-cert FILE"},
		{[]string{"--tls-auto", dir, "--tls-cert", cert, "--tls-key", key}, "", "--tls-auto and --tls-cert/--tls-key exclude each other"},
		{[]string{"--tls-auto", dir}, "GLMOCK_TLS_CERT=" + cert, "--tls-auto and --tls-cert/--tls-key exclude each other"},
		{[]string{"--tls-auto", unwritable}, "", "--tls-auto " + unwritable + ": cannot create the directory"},
		{[]string{"--tls-auto", halfCA}, "", "--tls-auto " + halfCA + ": one of ca.pem and ca-key.pem is missing"},
		{[]string{"--tls-host", "glmock"}, "", "--tls-host glmock: the names go into the certificate --tls-auto DIR makes"},
		{[]string{"--tls-auto", filepath.Join(dir, "ok"), "--tls-host", "https://glmock:8443"}, "", `--tls-host "https://glmock:8443": give a host name or an IP address`},
	}
}

// TestTLSMistakes: each TLS mistake stops glmock's command line with exit 2 naming the flag.
func TestTLSMistakes(t *testing.T) {
	for _, tc := range tlsMistakes(t) {
		t.Run(strings.Join(append(tc.args, tc.env), " "), func(t *testing.T) {
			env := map[string]string{}
			if name, value, ok := strings.Cut(tc.env, "="); ok {
				env[name] = value
			}
			code, out, errOut := runRefused(t, append([]string{"--addr", "127.0.0.1:0"}, tc.args...), env)
			assert.Equal(t, 2, code, errOut)
			assert.Contains(t, errOut, tc.want)
			assert.NotContains(t, out, `"msg":"listening"`)
		})
	}
}

// TestBinaryRefusesTLSMistakes: the same mistakes through the glmock binary.
func TestBinaryRefusesTLSMistakes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildGlmock(t)
	for _, tc := range tlsMistakes(t) {
		t.Run(strings.Join(append(tc.args, tc.env), " "), func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0"}, tc.args...)
			cmd := testproc.CommandTimeout(t, binaryRefusalTimeout, bin, args...)
			cmd.Env = environWithout("GLMOCK_")
			if tc.env != "" {
				cmd.Env = append(cmd.Env, tc.env)
			}
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			failIfKilled(t, cmd, args, tc.env, stdout.String(), stderr.String())
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "stderr: %s", stderr.String())
			assert.Equal(t, 2, exit.ExitCode(), "stderr: %s", stderr.String())
			assert.Contains(t, stderr.String(), tc.want)
		})
	}
}

func environWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}

// startBinary starts the glmock binary with args and waits for its "listening" line.
func startBinary(t *testing.T, bin string, args ...string) (addr string, stop func()) {
	t.Helper()
	cmd := testproc.CommandTimeout(t, 2*time.Minute, bin, args...)
	cmd.Env = environWithout("GLMOCK_")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	addr = waitListening(t, stdout)
	return addr, func() {
		t.Helper()
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		require.NoError(t, cmd.Wait(), "glmock exits 0 on SIGTERM; stderr: %s", stderr.String())
	}
}

// TestTLSAutoBinaryClients: the glmock binary with --tls-auto DIR, before and after a restart:
// go-gitlab with an http.Client trusting DIR/ca.pem, python-gitlab with ssl_verify=DIR/ca.pem,
// and the binary's own `glmock healthcheck` (GLMOCK_TLS_AUTO), all over https; plain http to
// the port gets the 400.
func TestTLSAutoBinaryClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildGlmock(t)
	dir := filepath.Join(t.TempDir(), "tls")
	state := filepath.Join(t.TempDir(), "state.json")
	caFile := filepath.Join(dir, "ca.pem")
	addr := freeAddr(t)
	var ids []int
	for round := 0; round < 2; round++ {
		_, stop := startBinary(t, bin, "--addr", addr, "--tls-auto", dir, "--state", state)
		_, port, _ := net.SplitHostPort(addr)
		base := "https://localhost:" + port

		gl, err := gitlab.NewClient("maintainer-token", gitlab.WithBaseURL(base+"/api/v4"),
			gitlab.WithHTTPClient(trustingClient(t, caFile)), gitlab.WithoutRetries())
		require.NoError(t, err)
		if round == 0 {
			opt := &gitlab.AddClusterOptions{Name: gitlab.Ptr("tls-go"), EnvironmentScope: gitlab.Ptr("tls-go"),
				PlatformKubernetes: &gitlab.AddPlatformKubernetesOptions{APIURL: gitlab.Ptr("https://k.example.com"), Token: gitlab.Ptr("t")}}
			c, _, err := gl.ProjectCluster.AddCluster(1, opt)
			require.NoError(t, err, "go-gitlab over https")
			ids = append(ids, int(c.ID))
		}
		clusters, _, err := gl.ProjectCluster.ListClusters(1)
		require.NoError(t, err, "round %d: go-gitlab over https", round)
		var got []int
		for _, c := range clusters {
			got = append(got, int(c.ID))
		}
		assert.Subset(t, got, ids, "round %d: the cluster and its id survive the restart", round)

		hc := testproc.CommandTimeout(t, 30*time.Second, bin, "healthcheck")
		hc.Env = append(environWithout("GLMOCK_"), "GLMOCK_ADDR="+addr, "GLMOCK_TLS_AUTO="+dir)
		out, err := hc.CombinedOutput()
		assert.NoError(t, err, "round %d: glmock healthcheck over https: %s", round, out)
		plainHTTPToTLSPort(t, addr)

		t.Run("python-gitlab round "+itoa(round), func(t *testing.T) {
			var s struct {
				Version string   `json:"python_gitlab_version"`
				IDs     []int    `json:"ids"`
				WebURLs []string `json:"web_urls"`
				Error   string   `json:"error"`
			}
			runPyTLS(t, base, caFile, &s)
			t.Logf("python-gitlab %s", s.Version)
			require.Empty(t, s.Error)
			assert.Subset(t, s.IDs, ids)
			for _, u := range s.WebURLs {
				assert.Equal(t, base+"/demo-group/demo", u)
			}
			if round == 0 {
				// ssl_verify is what python-gitlab trusts: another CA is refused.
				other := t.TempDir()
				_, err := autoTLS(other, []string{"localhost"}, time.Now())
				require.NoError(t, err)
				var refused struct{ Error string }
				runPyTLS(t, base, filepath.Join(other, "ca.pem"), &refused)
				assert.Contains(t, refused.Error, "CERTIFICATE_VERIFY_FAILED")
			}
		})
		stop()
	}
}

// runPyTLS runs testdata/python_gitlab_tls.py (Debian's python3-gitlab, the system
// interpreter) against url, trusting caFile; it skips without python-gitlab, and fails in CI.
func runPyTLS(t *testing.T, url, caFile string, summary any) {
	t.Helper()
	const py = "/usr/bin/python3"
	if out, err := testproc.CommandTimeout(t, 10*time.Second, py, "-c", "import gitlab").CombinedOutput(); err != nil {
		testproc.NeedTool(t, "python-gitlab (Debian's python3-gitlab)", fmt.Errorf("%s -c \"import gitlab\": %v: %s", py, err, strings.TrimSpace(string(out))))
	}
	cmd := testproc.CommandTimeout(t, 30*time.Second, py, "testdata/python_gitlab_tls.py", url, "maintainer-token", caFile)
	// Loopback only; and the CA given is the only one trusted (no REQUESTS_CA_BUNDLE override).
	cmd.Env = append(environWithout("REQUESTS_CA_BUNDLE"), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"PYTHONDONTWRITEBYTECODE=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stderr: %s", stderr.String())
	require.NoError(t, json.Unmarshal(stdout.Bytes(), summary), "%s\nstderr: %s", stdout.String(), stderr.String())
}
