package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/internal/testproc"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestMain lets the test binary act as glcontract: the tests run it as a child process.
func TestMain(m *testing.M) {
	if os.Getenv("GLCONTRACT_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// command runs this test binary as glcontract; it dies with the test.
func command(t *testing.T, args ...string) *exec.Cmd {
	cmd := testproc.Command(t, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GLCONTRACT_AS_MAIN=1")
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestHelpAndUsage(t *testing.T) {
	out, err := command(t, "--help").CombinedOutput()
	require.Equal(t, 0, exitCode(err))
	require.Contains(t, string(out), "glcontract check")
	out, err = command(t, "check").CombinedOutput()
	require.Equal(t, 2, exitCode(err))
	require.Contains(t, string(out), "glcontract check: missing --url (or GITLAB_URL): where GitLab is served, e.g. --url https://gitlab.example.com; "+
		"and --token (or GITLAB_TOKEN, better: not visible to other users): a personal access token; "+
		"and the clusters to look at: --project ID|PATH (or GITLAB_PROJECT), --group ID|PATH or --instance; see --help")
}

func TestVersion(t *testing.T) {
	out, err := command(t, "--version").Output()
	require.Equal(t, 0, exitCode(err))
	require.Regexp(t, `^glcontract (devel|v\S+)\n$`, string(out))
}

// TestVersionFromLdflags builds glcontract as contract/README.md says a release is stamped
// (-ldflags "-X main.version=v1.2.3") and asks it its version. A build without -race compiles
// every dependency again on a cold cache, so it runs in make docker-build-check (CI runs it).
func TestVersionFromLdflags(t *testing.T) {
	if os.Getenv("GLCLUSTERS_DOCKER_BUILD") != "1" {
		t.Skip("builds glcontract: run make docker-build-check (CI runs it)")
	}
	if _, err := exec.LookPath("go"); err != nil {
		testproc.NeedTool(t, "the go command", err)
	}
	bin := filepath.Join(t.TempDir(), "glcontract")
	out, err := testproc.CommandTimeout(t, 5*time.Minute, "go", "build", "-ldflags", "-X main.version=v1.2.3", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = testproc.Command(t, bin, "--version").Output()
	require.NoError(t, err)
	require.Equal(t, "glcontract v1.2.3\n", string(out))
}

func TestRunAgainstMock(t *testing.T) {
	srv := mocktest.Start(t)
	cmd := command(t, "check", "--url", srv.URL, "--project", "1", "--write")
	cmd.Env = append(cmd.Env, "GITLAB_TOKEN=root-token")
	out, err := cmd.CombinedOutput()
	require.Equal(t, 0, exitCode(err), string(out))
	require.Contains(t, string(out), "glcontract pass")
	require.NotContains(t, string(out), "root-token")
}

// TestCtrlCStillCleansUp sends SIGINT to glcontract right after it created its cluster (in a
// project, a group, the instance): it must stop, delete the cluster, and exit 2.
func TestCtrlCStillCleansUp(t *testing.T) {
	for _, tc := range []struct {
		createPath, list string
		args             []string
	}{
		{"/api/v4/projects/1/clusters/user", "/projects/1/clusters", []string{"--project", "1"}},
		{"/api/v4/groups/platform/clusters/user", "/groups/12/clusters", []string{"--project", "1", "--group", "platform"}},
		{"/api/v4/admin/clusters/add", "/admin/clusters", []string{"--instance"}},
	} {
		t.Run(tc.list, func(t *testing.T) { ctrlCAfterCreate(t, tc.createPath, tc.list, tc.args...) })
	}
}

// ctrlCAfterCreate runs check --write with args and sends SIGINT once a POST to createPath
// created a cluster; then nothing of glcontract's may remain in list.
func ctrlCAfterCreate(t *testing.T, createPath, list string, args ...string) {
	srv := mocktest.Start(t)
	var proc atomic.Pointer[os.Process]
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, _ := http.NewRequest(r.Method, srv.URL+r.RequestURI, bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		if r.Method == "POST" && r.URL.Path == createPath && resp.StatusCode == http.StatusCreated {
			if p := proc.Load(); p != nil {
				p.Signal(syscall.SIGINT)
				time.Sleep(50 * time.Millisecond) // let the signal land while the create is in flight
			}
		}
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	defer proxy.Close()

	cmd := command(t, append([]string{"check", "--url", proxy.URL, "--write"}, args...)...)
	cmd.Env = append(cmd.Env, "GITLAB_TOKEN=root-token")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	proc.Store(cmd.Process)
	err := cmd.Wait()
	require.Equal(t, 2, exitCode(err), out.String())
	require.Contains(t, out.String(), "interrupted")
	require.Contains(t, out.String(), "CLEANUP")
	require.Empty(t, proxytest.GlcontractClustersAt(t, srv.URL, "root-token", list), "left behind")
}
