package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
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
func runMain(t *testing.T, args []string, env map[string]string) (addr string, logs *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, lookup(env), logs, &stderr) }()
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

// refusalTimeout bounds an in-process run that should return by itself (a refusal, --help,
// --version, a health check). One that starts serving instead is stopped when it passes and
// fails the test, rather than hanging until go test's timeout.
const refusalTimeout = 5 * time.Second

// runRefused runs glmock's command line in process with a context that ends after
// refusalTimeout, expecting it to return by itself, and returns its exit code and output. A run
// that returns only because its context ended accepted a config it should have refused.
func runRefused(t *testing.T, args []string, env map[string]string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), refusalTimeout)
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, lookup(env), &out, &errOut) }()
	accepted := func(how string) {
		t.Helper()
		listened := ""
		if a := listeningAddr(out.String()); a != "" {
			listened = ", listening on " + a
		}
		t.Fatalf("accepted a config it should refuse: %q (env %v)%s: %s\nstderr: %s", args, env, listened, how, errOut.String())
	}
	select {
	case code := <-done:
		if ctx.Err() != nil {
			accepted(fmt.Sprintf("it ran until its %v deadline, then exited %d", refusalTimeout, code))
		}
		return code, out.String(), errOut.String()
	case <-time.After(2 * refusalTimeout):
		accepted(fmt.Sprintf("it did not even stop %v after its deadline", refusalTimeout))
		return -1, "", ""
	}
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
	addr, logs, stop := runMain(t, []string{"--addr", "127.0.0.1:0", "--feature", "certificate_based_clusters=true"}, nil)
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
	addr, logs, stop := runMain(t, nil, map[string]string{
		"GLMOCK_ADDR":           "127.0.0.1:0",
		"GLMOCK_STATE":          state,
		"GLMOCK_FEATURES":       "certificate_based_clusters=false",
		"GLMOCK_GITLAB_VERSION": "14.10",
		"GLMOCK_MAX_CLUSTERS":   "3",
	})
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
		{[]string{"--seed", twoStarClustersSeed(t)}, 2, "two-star.json: " + twoStarClustersError},
		{[]string{"--seed", "/nonexistent.json"}, 2, "no such file"},
		{[]string{"--state", corrupt}, 1, "left untouched"},
		{[]string{"--gitlab-version", "nine"}, 2, "want X.Y"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"--addr", "256.0.0.1:99999"}, 1, "glmock:"},
		{[]string{"--help"}, 0, "GLMOCK_ADDR"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := runRefused(t, tc.args, nil)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, errOut, tc.want)
		})
	}
}

// TestMainFlagTypoIsTwoLines: a mistake on the command line gets the error and a pointer to
// --help, not the whole usage; --help still prints it all.
func TestMainFlagTypoIsTwoLines(t *testing.T) {
	for _, args := range [][]string{{"--adr", "127.0.0.1:0"}, {"--log-format", "xml"}, {"--max-clusters", "many"}} {
		code, out, errOut := runRefused(t, args, nil)
		assert.Equal(t, 2, code)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if assert.Len(t, lines, 2, errOut) {
			assert.Equal(t, `Run "glmock --help" for the flags and an example.`, lines[1])
		}
		assert.Empty(t, out)
	}
	code, _, errOut := runRefused(t, []string{"--help"}, nil)
	require.Equal(t, 0, code)
	assert.Contains(t, errOut, "-max-clusters")
}

// TestMainVersion: --version prints the version on stdout and starts nothing.
func TestMainVersion(t *testing.T) {
	code, out, errOut := runRefused(t, []string{"--version"}, nil)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "glmock devel\n", out)
	assert.Empty(t, errOut)
	// GLMOCK_VERSION is not the flag: a variable of that name must not stop every start.
	_, _, stop := runMain(t, []string{"--addr", "127.0.0.1:0"}, map[string]string{"GLMOCK_VERSION": "true"})
	assert.Equal(t, 0, stop())
}

func TestHealthcheckCommand(t *testing.T) {
	srv := mocktest.Start(t)
	code, _, _ := runRefused(t, []string{"healthcheck", "--url", srv.URL + "/-/health"}, nil)
	assert.Equal(t, 0, code)
	closed := freeAddr(t)
	code, _, _ = runRefused(t, []string{"healthcheck", "--url", fmt.Sprintf("http://%s/-/health", closed)}, nil)
	assert.Equal(t, 1, code)
	// In a container GLMOCK_ADDR listens on every interface; the check asks the loopback one.
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	code, _, errOut := runRefused(t, []string{"healthcheck"}, map[string]string{"GLMOCK_ADDR": "0.0.0.0:" + port})
	assert.Equal(t, 0, code, errOut)
	_, closedPort, _ := net.SplitHostPort(closed)
	code, _, errOut = runRefused(t, []string{"healthcheck"}, map[string]string{"GLMOCK_ADDR": "0.0.0.0:" + closedPort})
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "127.0.0.1:"+closedPort, "the loopback address, not 0.0.0.0")
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  sync.Mutex
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

// lookup is os.LookupEnv over env alone, so that a test's environment is its own.
func lookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

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
			code, _, errOut := runRefused(t, []string{"--addr", "127.0.0.1:0"}, map[string]string{tc.name: tc.value})
			assert.Equal(t, 2, code, errOut)
			assert.Contains(t, errOut, tc.want)
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
			_, logs, stop := runMain(t, append([]string{"--addr", "127.0.0.1:0"}, tc.args...), nil)
			stop()
			first, _, _ := strings.Cut(logs.String(), "\n")
			assert.Contains(t, first, `"msg":"glmock"`)
			for _, w := range tc.want {
				assert.Contains(t, first, w)
			}
		})
	}
}

// TestOneLogLinePerRequest: glmock logs every request once, with the same fields, whatever
// answered it: an operation, the catch-all, a fault (status or dropped), the control API,
// the health check.
func TestOneLogLinePerRequest(t *testing.T) {
	addr, logs, stop := runMain(t, []string{"--addr", "127.0.0.1:0"}, nil)
	base := "http://" + addr
	send := func(method, path, token, body string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("PRIVATE-TOKEN", token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			return 0 // dropped
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, 201, send("POST", "/-/mock/faults", "root-token", `{"path":"/api/v4/f429","status":429,"count":1}`))
	require.Equal(t, 201, send("POST", "/-/mock/faults", "root-token", `{"path":"/api/v4/f503","status":503,"count":1}`))
	require.Equal(t, 201, send("POST", "/-/mock/faults", "root-token", `{"path":"/api/v4/drop","drop":true,"count":1}`))
	want := []struct {
		method, path, token string
		status, user        int
		operation           string
		fault               bool
	}{
		{"GET", "/api/v4/projects/1/clusters", "maintainer-token", 200, 3, "getApiV4ProjectsIdClusters", false},
		{"GET", "/api/v4/nowhere", "maintainer-token", 404, 3, "", false},
		{"GET", "/api/v4/f429", "developer-token", 429, 4, "", true},
		{"GET", "/api/v4/f503", "", 503, 0, "", true},
		{"GET", "/api/v4/drop", "", 0, 0, "", true},
		{"GET", "/-/mock/requests", "root-token", 200, 1, "", false},
		{"GET", "/-/mock/features", "", 401, 0, "", false},
		{"GET", "/-/health", "", 200, 0, "", false},
	}
	for _, w := range want {
		assert.Equal(t, w.status, send(w.method, w.path, w.token, ""), w.path)
	}
	stop()

	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	require.Len(t, lines, 3+len(want), "one line a request: three fault set-ups, then each above")
	fields := []string{"duration_ms", "fault", "level", "method", "msg", "operation", "path", "status", "time", "truncated", "user"}
	for _, m := range lines {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		assert.Equal(t, fields, keys, "the same fields on every line: %v", m)
		_, isNumber := m["duration_ms"].(float64)
		assert.True(t, isNumber, "duration_ms is a number of milliseconds: %v", m["duration_ms"])
	}
	// By path, not by position: a dropped connection's line is written when its handler
	// returns, which may be after the client has sent the next request.
	byPath := map[string]map[string]any{}
	for _, m := range lines {
		byPath[m["path"].(string)] = m
	}
	for _, w := range want {
		m := byPath[w.path]
		require.NotNil(t, m, "no log line for %s", w.path)
		assert.EqualValues(t, w.status, m["status"], w.path)
		assert.EqualValues(t, w.user, m["user"], w.path)
		assert.Equal(t, w.operation, m["operation"], w.path)
		assert.Equal(t, w.fault, m["fault"], w.path)
	}
	assert.NotContains(t, logs.String(), "-token", "no token in the logs")
}

// TestStateFileWinsOverSeed: with --state naming an existing file, a --seed would be ignored
// (the state file is loaded); glmock refuses the pair with exit 2, saying which wins and how to
// start from the seed, in process and as the binary. Without the file, the seed starts it.
func TestStateFileWinsOverSeed(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	seed := filepath.Join(dir, "small.json")
	small := mockserver.DefaultSeed()
	small.Clusters = small.Clusters[:0]
	require.NoError(t, os.WriteFile(seed, small.JSON(), 0o600))

	// No state file yet: the seed is loaded, and the state file written from it.
	addr, _, stop := runMain(t, []string{"--addr", "127.0.0.1:0", "--seed", seed, "--state", state}, nil)
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v4/projects/1/clusters", nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "0", resp.Header.Get("X-Total"), "the seed (no clusters) was loaded")
	require.Equal(t, 0, stop())
	_, err = os.Stat(state)
	require.NoError(t, err, "the state file was written")

	want := "glmock: --seed " + seed + ": the state file --state " + state + " exists and wins over the seed"
	how := "to start from the seed, remove " + state + " or drop --state"
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--seed", seed, "--state", state}, nil},
		{nil, map[string]string{"GLMOCK_SEED": seed, "GLMOCK_STATE": state}},
	} {
		code, out, errOut := runRefused(t, append([]string{"--addr", "127.0.0.1:0"}, tc.args...), tc.env)
		assert.Equal(t, 2, code, errOut)
		assert.Contains(t, errOut, want)
		assert.Contains(t, errOut, how)
		assert.NotContains(t, out, `"msg":"glmock"`, "no start-up line naming a seed that was not loaded")
	}
	// --state alone keeps loading the file.
	_, _, stop = runMain(t, []string{"--addr", "127.0.0.1:0", "--state", state}, nil)
	assert.Equal(t, 0, stop())

	if testing.Short() {
		return
	}
	bin := buildGlmock(t)
	args := []string{"--addr", "127.0.0.1:0", "--seed", seed, "--state", state}
	cmd := testproc.CommandTimeout(t, binaryRefusalTimeout, bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	failIfKilled(t, cmd, args, "", stdout.String(), stderr.String())
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "stderr: %s", stderr.String())
	assert.Equal(t, 2, exit.ExitCode(), "stderr: %s", stderr.String())
	assert.Contains(t, stderr.String(), want)
	assert.Contains(t, stderr.String(), how)
}
