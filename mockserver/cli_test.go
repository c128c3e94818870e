package mockserver_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// runMain starts glmock's command line in the background and waits until it answers.
func runMain(t *testing.T, args []string) (addr string, logs *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- mockserver.Main(ctx, args, logs, &stderr) }()
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("glmock did not stop")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	for i := 0; i < 200; i++ {
		if a := listeningAddr(logs.String()); a != "" {
			return a, logs, stop
		}
		select {
		case code := <-done:
			t.Fatalf("glmock exited with %d: %s", code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("glmock did not start")
	return "", nil, nil
}

func listeningAddr(logs string) string {
	for _, line := range strings.Split(logs, "\n") {
		if i := strings.Index(line, `"msg":"listening","addr":"`); i >= 0 {
			rest := line[i+len(`"msg":"listening","addr":"`):]
			return rest[:strings.Index(rest, `"`)]
		}
	}
	return ""
}

func TestMainServesAndStops(t *testing.T) {
	addr, logs, stop := runMain(t, []string{"--addr", "127.0.0.1:0", "--feature", "certificate_based_clusters=true"})
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v4/projects/1/clusters", nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 0, stop(), "a clean shutdown exits 0")
	assert.Contains(t, logs.String(), `"msg":"request","method":"GET","path":"/api/v4/projects/1/clusters","status":200,"user":3`)
	assert.NotContains(t, logs.String(), "maintainer-token", "tokens never reach the logs")
	assert.Contains(t, logs.String(), `"msg":"stopped"`)
}

func TestMainEnvironment(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	t.Setenv("GLMOCK_ADDR", "127.0.0.1:0")
	t.Setenv("GLMOCK_STATE", state)
	t.Setenv("GLMOCK_FEATURES", "certificate_based_clusters=false")
	t.Setenv("GLMOCK_GITLAB_VERSION", "14.10")
	t.Setenv("GLMOCK_MAX_CLUSTERS", "3")
	addr, logs, stop := runMain(t, nil)
	assert.Contains(t, logs.String(), `"max_clusters":3`)
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v4/version", nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	assert.Contains(t, buf.String(), `"version":"14.10.0"`)
	req, _ = http.NewRequest("GET", "http://"+addr+"/api/v4/projects/1/clusters", nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode, "GLMOCK_FEATURES switched the API off")
	stop()
	_, err = os.Stat(state)
	assert.NoError(t, err, "GLMOCK_STATE was used")
}

func TestMainUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"users":[{"id":0}]}`), 0o600))
	corrupt := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(corrupt, []byte(`{"users":`), 0o600))
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--feature", "nonsense"}, 2, "NAME=BOOL"},
		{[]string{"--feature", "certificate_based_clusters=maybe"}, 2, "not a boolean: use true or false"},
		{[]string{"--feature", "certificate_based_clusterz=false"}, 2, `unknown feature flag "certificate_based_clusterz": valid flags are certificate_based_clusters`},
		{[]string{"--log-format", "xml"}, 2, `"xml": use json or text`},
		{[]string{"--gitlab-version", "11.0"}, 2, "exists from 11.7"},
		{[]string{"--gitlab-version", "11.6.9"}, 2, "exists from 11.7"},
		{[]string{"--gitlab-version", "18.x"}, 2, "want X.Y or X.Y.Z"},
		{[]string{"--gitlab-version", "-15.1"}, 2, "want X.Y or X.Y.Z"},
		{[]string{"--gitlab-version", "15.+1"}, 2, "want X.Y or X.Y.Z"},
		{[]string{"--max-clusters", "0"}, 2, "give a positive number"},
		{[]string{"--state", filepath.Join(t.TempDir(), "missing", "state.json")}, 2, "does not exist; create it first"},
		{[]string{"--allow-local-urls=yes"}, 2, `"yes" is not a boolean: use true or false`},
		{[]string{"--seed", bad}, 2, "users[0].id"},
		{[]string{"--seed", "/nonexistent.json"}, 2, "no such file"},
		{[]string{"--state", corrupt}, 1, "left untouched"},
		{[]string{"--gitlab-version", "nine"}, 2, "want X.Y"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"--addr", "256.0.0.1:99999"}, 1, "glmock:"},
		{[]string{"--help"}, 0, "GLMOCK_ADDR"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := mockserver.Main(context.Background(), tc.args, &out, &errOut)
			assert.Equal(t, tc.code, code, errOut.String())
			assert.Contains(t, errOut.String(), tc.want)
		})
	}
}

func TestHealthcheckCommand(t *testing.T) {
	srv := mocktest.Start(t)
	var errOut bytes.Buffer
	assert.Equal(t, 0, mockserver.Main(context.Background(), []string{"healthcheck", "--url", srv.URL + "/-/health"}, &bytes.Buffer{}, &errOut))
	closed := freeAddr(t)
	assert.Equal(t, 1, mockserver.Main(context.Background(), []string{"healthcheck", "--url", fmt.Sprintf("http://%s/-/health", closed)}, &bytes.Buffer{}, &errOut))
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  syncMutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type syncMutex = sync.Mutex

// TestMainEnvironmentMistakes: a wrong environment variable stops glmock with exit 2 and a
// message naming the variable and the valid values.
func TestMainEnvironmentMistakes(t *testing.T) {
	cases := []struct{ name, value, want string }{
		{"GLMOCK_FEATURES", "foo=true", `GLMOCK_FEATURES: unknown feature flag "foo": valid flags are certificate_based_clusters`},
		{"GLMOCK_ALLOW_LOCAL_URLS", "yes", `GLMOCK_ALLOW_LOCAL_URLS: "yes" is not a boolean: use true or false`},
		{"GLMOCK_LOG_FORMAT", "xml", `GLMOCK_LOG_FORMAT: "xml": use json or text`},
		{"GLMOCK_GITLAB_VERSION", "11.0", "exists from 11.7"},
		{"GLMOCK_MAX_CLUSTERS", "many", `GLMOCK_MAX_CLUSTERS: "many" is not a whole number`},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			var out, errOut bytes.Buffer
			code := mockserver.Main(context.Background(), []string{"--addr", "127.0.0.1:0"}, &out, &errOut)
			assert.Equal(t, 2, code, errOut.String())
			assert.Contains(t, errOut.String(), tc.want)
		})
	}
}

// TestMainStartupLog: the first line says what the mock behaves as, so that a version that
// switches the clusters API off is visible.
func TestMainStartupLog(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{}, []string{`"gitlab_version":"18.10.0"`, `"behaves_as":"18.10"`, `"clusters_api":true`, `"seed":"default"`, `"state_file":""`, `"max_clusters":10000`}},
		{[]string{"--gitlab-version", "18.10"}, []string{`"behaves_as":"18.10"`, `"clusters_api":false`}},
		{[]string{"--gitlab-version", "19.1", "--state", state}, []string{`"gitlab_version":"19.1.0"`, `"behaves_as":"18.10 (the newest modelled)"`, `"clusters_api":false`, `"state_file":"` + state + `"`}},
		{[]string{"--gitlab-version", "99.1", "--feature", "certificate_based_clusters=true", "--max-clusters", "5"}, []string{`"behaves_as":"18.10 (the newest modelled)"`, `"clusters_api":true`, `"max_clusters":5`}},
		{[]string{"--gitlab-version", "14.10"}, []string{`"behaves_as":"14.10"`, `"clusters_api":true`}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, logs, stop := runMain(t, append([]string{"--addr", "127.0.0.1:0"}, tc.args...))
			stop()
			first, _, _ := strings.Cut(logs.String(), "\n")
			assert.Contains(t, first, `"msg":"glmock"`)
			for _, w := range tc.want {
				assert.Contains(t, first, w)
			}
		})
	}
}
