package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestCLIProgressOnStderr: on a terminal (cli.progress), the step running, a retry with its
// wait and a slow request are shown on stderr; stdout holds only the report.
func TestCLIProgressOnStderr(t *testing.T) {
	mock := mocktest.Start(t)
	busy := true
	proxy := proxytest.Rewrite(t, mock.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
		switch {
		case in.Path == "/user" && busy:
			busy = false
			out.Status, out.Body = 503, []byte(`{"message":"503 Service Unavailable"}`)
			out.Header.Set("Retry-After", "1")
		case strings.HasPrefix(in.Path, "/projects/1/clusters/999999999"):
			time.Sleep(60 * time.Millisecond) // slower than the client's SlowAfter below
		}
	})
	var stdout, stderr bytes.Buffer
	client := &contract.Client{SlowAfter: 30 * time.Millisecond}
	code := cli{stdout: &stdout, stderr: &stderr, progress: true, client: client,
		getenv: func(k string) string { return map[string]string{"GITLAB_TOKEN": rootToken}[k] }}.run(context.Background(),
		[]string{"check", "--url", proxy.URL, "--project", project})
	require.Equal(t, 0, code, stdout.String()+stderr.String())
	errOut := stderr.String()
	require.Contains(t, errOut, "RUN  read       list clusters\n")
	require.Contains(t, errOut, "PASS read       list clusters")
	require.Contains(t, errOut, "... GET "+proxy.URL+"/api/v4/user answered 503: retry 1 of 3 in 1s")
	require.Regexp(t, `\.\.\. GET `+proxy.URL+`/api/v4/projects/1/clusters/999999999 took [0-9.]+m?s \(answered 404\)`, errOut)
	require.NotContains(t, errOut, rootToken)
	require.True(t, strings.HasPrefix(stdout.String(), "glcontract pass against"), stdout.String())
	require.NotContains(t, stdout.String(), "RUN ")
	require.NotContains(t, stdout.String(), "retry")

	// not on a terminal: nothing on stderr
	stdout.Reset()
	stderr.Reset()
	busy = true
	code = cli{stdout: &stdout, stderr: &stderr, client: fastClient(),
		getenv: func(k string) string { return map[string]string{"GITLAB_TOKEN": rootToken}[k] }}.run(context.Background(),
		[]string{"check", "--url", proxy.URL, "--project", project})
	require.Equal(t, 0, code, stdout.String()+stderr.String())
	require.Empty(t, stderr.String())
}

// TestCLIPrivateCA: an https target with a private CA fails with a message that says how to
// fix it, and --ca-cert FILE fixes it.
func TestCLIPrivateCA(t *testing.T) {
	mock := mocktest.Start(t)
	u, _ := url.Parse(mock.URL)
	tlsSrv := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(u))
	t.Cleanup(tlsSrv.Close)

	r := glcontract(t, nil, "check", "--url", tlsSrv.URL, "--token", rootToken, "--project", project)
	require.Equal(t, 2, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stderr, "target unreachable")
	require.Contains(t, r.stderr, "x509")
	require.Contains(t, r.stderr, "pass it with --ca-cert FILE (PEM) or SSL_CERT_FILE=FILE")

	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600))
	for _, cmd := range [][]string{{"check"}, {"check", "--write"}, {"sweep", "--dry-run"}} {
		r = glcontract(t, nil, append(cmd, "--url", tlsSrv.URL, "--token", rootToken, "--project", project, "--ca-cert", ca)...)
		require.Equal(t, 0, r.code, "%v: %s", cmd, r.stdout+r.stderr)
	}

	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	for file, want := range map[string]string{notPEM: "no PEM certificate in it", filepath.Join(dir, "missing.pem"): "--ca-cert: open"} {
		r = glcontract(t, nil, "check", "--url", tlsSrv.URL, "--token", rootToken, "--project", project, "--ca-cert", file)
		require.Equal(t, 2, r.code)
		require.Contains(t, r.stderr, want)
	}
}

// TestCLIFlagTypo: the error and one line pointing to --help, not the whole help.
func TestCLIFlagTypo(t *testing.T) {
	for _, args := range [][]string{{"check", "--wirte"}, {"sweep", "--dryrun"}, {"diff", "--nope", "a", "b"}, {"chek"}} {
		r := glcontract(t, nil, args...)
		require.Equal(t, 2, r.code, args)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		require.Len(t, lines, 2, r.stderr)
		require.Contains(t, lines[1], "--help")
		require.Empty(t, r.stdout)
	}
	r := glcontract(t, nil, "check", "--wirte")
	require.Equal(t, "glcontract check: flag provided but not defined: -wirte\nRun \"glcontract check --help\" for the flags and examples.\n", r.stderr)
}

// TestCLIVersion: --version prints the version (devel in a test binary).
func TestCLIVersion(t *testing.T) {
	for _, arg := range []string{"--version", "-version", "version"} {
		r := glcontract(t, nil, arg)
		require.Equal(t, 0, r.code)
		require.Equal(t, "glcontract devel\n", r.stdout)
	}
	version = "v9.9.9"
	t.Cleanup(func() { version = "" })
	require.Equal(t, "glcontract v9.9.9\n", glcontract(t, nil, "--version").stdout)
}
