package mocktest_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/glclusters/clustersapi/internal/testproc"
	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestStartTLS: the TLS twin serves https on its URL, web_url fields name it, its Client
// trusts it (go-gitlab with that client lists clusters), a client that does not trust it is
// refused, and CAPEM is the certificate that makes a plain client trust it.
func TestStartTLS(t *testing.T) {
	s, srv := mocktest.StartTLSServer(t)
	require.True(t, strings.HasPrefix(srv.URL, "https://127.0.0.1:"), srv.URL)
	gl, err := gitlab.NewClient("maintainer-token", gitlab.WithBaseURL(srv.URL+"/api/v4"),
		gitlab.WithHTTPClient(srv.Client()), gitlab.WithoutRetries())
	require.NoError(t, err)
	c, _, err := gl.ProjectCluster.GetCluster(1, 18)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/demo-group/demo", c.Project.WebURL, "web_url follows the scheme")
	gets, err := s.Requests(mockserver.JournalFilter{Operation: mockserver.OpGetCluster})
	require.NoError(t, err)
	assert.Len(t, gets, 1)

	_, err = http.Get(srv.URL + "/-/health")
	require.Error(t, err, "the default client does not trust the test certificate")

	pem := mocktest.CAPEM(srv)
	require.True(t, bytes.HasPrefix(pem, []byte("-----BEGIN CERTIFICATE-----")))
	assert.Nil(t, mocktest.CAPEM(mocktest.Start(t)), "a plain server has no certificate")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem, 0o644))

	t.Run("python-gitlab ssl_verify", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a Python subprocess")
		}
		const py = "/usr/bin/python3"
		if out, err := testproc.CommandTimeout(t, 10*time.Second, py, "-c", "import gitlab").CombinedOutput(); err != nil {
			testproc.NeedTool(t, "python-gitlab (Debian's python3-gitlab)", fmt.Errorf("%v: %s", err, out))
		}
		script := `import sys, gitlab
gl = gitlab.Gitlab(sys.argv[1], private_token="maintainer-token", ssl_verify=sys.argv[2])
print(",".join(str(c.id) for c in gl.projects.get(1, lazy=True).clusters.list(get_all=True)))`
		cmd := testproc.CommandTimeout(t, 30*time.Second, py, "-c", script, srv.URL, caFile)
		cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost", "PYTHONDONTWRITEBYTECODE=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Equal(t, "18\n", string(out))
	})
}

// TestNewTLSServer: the TLS twin of NewServer, closed by Close.
func TestNewTLSServer(t *testing.T) {
	srv, err := mocktest.NewTLSServer()
	require.NoError(t, err)
	resp, err := srv.Client().Get(srv.URL + "/-/health")
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, mocktest.CAPEM(srv.Server), srv.CAPEM())
	srv.Close()
	_, err = srv.Client().Get(srv.URL + "/-/health")
	assert.Error(t, err, "closed")
}
