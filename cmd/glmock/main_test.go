package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
	"github.com/glclusters/clustersapi/mockserver"
)

// TestKill9LeavesAWholeState kills glmock with SIGKILL in the middle of writes, several times,
// and checks the state file: it always parses, and holds every write that was acknowledged.
func TestKill9LeavesAWholeState(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildGlmock(t)
	state := filepath.Join(t.TempDir(), "state.json")
	acked := map[int]bool{}
	for round := 0; round < 3; round++ {
		// Killed in each round well within the bound; the bound only stops a round that hangs.
		cmd := testproc.CommandTimeout(t, time.Minute, bin, "--addr", "127.0.0.1:0", "--state", state)
		stdout, _ := cmd.StdoutPipe()
		require.NoError(t, cmd.Start())
		addr := waitListening(t, stdout)
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				client := &http.Client{Timeout: 2 * time.Second}
				for i := 0; i < 500; i++ { // bounded in count; the kill ends it sooner
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf(`{"name":"k","environment_scope":"r%d-w%d-%d","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`, round, w, i)
					req, _ := http.NewRequest("POST", "http://"+addr+"/api/v4/projects/1/clusters/user", strings.NewReader(body))
					req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						return // killed
					}
					var c struct{ ID int }
					json.NewDecoder(resp.Body).Decode(&c)
					resp.Body.Close()
					if resp.StatusCode == 201 {
						mu.Lock()
						acked[c.ID] = true
						mu.Unlock()
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(100+round*70) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		close(stop)
		wg.Wait()
		cmd.Wait()

		seed, err := mockserver.LoadSeed(state)
		require.NoError(t, err, "round %d: the state file is torn", round)
		stored := map[int]bool{}
		for _, c := range seed.Clusters {
			stored[c.ID] = true
		}
		mu.Lock()
		for id := range acked {
			assert.True(t, stored[id], "round %d: cluster %d was acknowledged but is not in the state file", round, id)
		}
		n := len(acked)
		mu.Unlock()
		t.Logf("round %d: %d acknowledged creates so far, %d clusters stored", round, n, len(seed.Clusters))
	}
	require.NotEmpty(t, acked, "no write was acknowledged: the test proved nothing")
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(state), ".state.json.tmp-*"))
	assert.LessOrEqual(t, len(leftovers), 1, "temporary files pile up: %v", leftovers)
	_ = os.Remove(state)
}

func waitListening(t *testing.T, stdout interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "glmock exited before listening")
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
				go func() {
					for range lines { // keep draining so the child never blocks on its logs
					}
				}()
				return l.Addr
			}
		case <-timeout:
			require.Fail(t, "glmock did not start")
		}
	}
}

// twoStarClustersSeed writes issue 18's seed file: cluster 18 says cluster_type project_type,
// and cluster 20, in the same project with the same scope "*", leaves cluster_type out (which
// means project_type); glmock refuses it (exit 2, the place and the rule).
func twoStarClustersSeed(t *testing.T) string {
	t.Helper()
	s := mockserver.DefaultSeed()
	s.Clusters[0].ClusterType = "project_type"
	s.Clusters = append(s.Clusters, mockserver.SeedCluster{ID: 20, ProjectID: 1, Name: "cluster-3", EnvironmentScope: "*",
		UserID: 1, CreatedAt: "2024-01-01T00:00:00Z", Platform: mockserver.SeedPlatform{APIURL: "https://k.example.com", Token: "k"}})
	s.NextClusterID = 21
	path := filepath.Join(t.TempDir(), "two-star.json")
	require.NoError(t, os.WriteFile(path, s.JSON(), 0o600))
	return path
}

const twoStarClustersError = "seed: clusters[4].environment_scope: duplicates another cluster's scope in its project, group or instance"

// buildTimeout bounds go build and go list, which the tests wait for.
const buildTimeout = 5 * time.Minute

// buildGlmock builds the binary into the test's temporary directory.
func buildGlmock(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "glmock")
	args := append(append([]string{"build"}, buildFlags...), "-o", bin, ".")
	out, err := testproc.CommandTimeout(t, buildTimeout, "go", args...).CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// TestBinaryRefusesConfigMistakes runs the binary as a user or a compose file would, with
// each mistake, and checks that it stops at once with exit code 2 and the valid values.
func TestBinaryRefusesConfigMistakes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildGlmock(t)
	cases := []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--log-format", "xml"}, "", `"xml": use json or text`},
		{nil, "GLMOCK_FEATURES=foo=true", `unknown feature flag "foo": valid flags are certificate_based_clusters`},
		{[]string{"--feature", "certificate_based_clusterz=false"}, "", `unknown feature flag "certificate_based_clusterz"`},
		{[]string{"--gitlab-version", "11.0"}, "", "the project clusters API exists from 11.7"},
		{[]string{"--gitlab-version", "eleven"}, "", "want X.Y or X.Y.Z"},
		{nil, "GLMOCK_ALLOW_LOCAL_URLS=yes", `GLMOCK_ALLOW_LOCAL_URLS: "yes" is not a boolean: use true or false`},
		{nil, "GLMOCK_MAX_CLUSTERS=0", "max clusters 0: give a positive number"},
		{[]string{"--state", filepath.Join(t.TempDir(), "no-such-dir", "state.json")}, "", "does not exist; create it first"},
		{[]string{"--seed", twoStarClustersSeed(t)}, "", "two-star.json: " + twoStarClustersError},
	}
	for _, tc := range cases {
		t.Run(strings.Join(append(tc.args, tc.env), " "), func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0"}, tc.args...)
			cmd := testproc.CommandTimeout(t, binaryRefusalTimeout, bin, args...)
			cmd.Env = os.Environ()
			if tc.env != "" {
				cmd.Env = append(cmd.Env, tc.env)
			}
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			failIfKilled(t, cmd, args, tc.env, stdout.String(), stderr.String())
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "stderr: %s", stderr.String())
			require.Equal(t, 2, exit.ExitCode(), "stderr: %s", stderr.String())
			assert.Contains(t, stderr.String(), tc.want)
			assert.NotContains(t, stdout.String(), `"msg":"listening"`, "it started serving")
		})
	}
}

// binaryRefusalTimeout bounds a run of the binary that should stop by itself (a refusal, a
// failed start): one that serves instead is killed when it passes, and failIfKilled says so.
const binaryRefusalTimeout = 10 * time.Second

// failIfKilled fails the test when cmd, run under binaryRefusalTimeout, did not exit by itself
// but was killed at its deadline: it accepted a config it should refuse.
func failIfKilled(t *testing.T, cmd *exec.Cmd, args []string, env, stdout, stderr string) {
	t.Helper()
	if cmd.ProcessState == nil || cmd.ProcessState.Exited() {
		return
	}
	listened := ""
	if a := listeningAddr(stdout); a != "" {
		listened = ", listening on " + a
	}
	t.Fatalf("accepted a config it should refuse: %q (env %q)%s: killed at its %v deadline (%v)\nstderr: %s",
		args, env, listened, binaryRefusalTimeout, cmd.ProcessState, stderr)
}
