package mocktest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// TestNewServer: the server answers on its URL, web_url names it, Mock is the mock behind it,
// and Close stops it.
func TestNewServer(t *testing.T) {
	srv, err := mocktest.NewServer()
	require.NoError(t, err)
	status, body := get(t, srv.URL+"/api/v4/projects/1/clusters/18")
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"web_url":"`+srv.URL+`/`)
	journal, err := srv.Mock.Requests(mockserver.JournalFilter{})
	require.NoError(t, err)
	assert.Len(t, journal, 1)
	assert.Empty(t, srv.Violations())
	srv.Close()
	_, err = http.Get(srv.URL + "/-/health")
	assert.Error(t, err, "closed")
}

// TestNewServerOptions: options reach the mock, WithExternalURL wins over the server's URL,
// and a mistake is an error with nothing left listening.
func TestNewServerOptions(t *testing.T) {
	srv, err := mocktest.NewServer(mockserver.WithExternalURL("https://gitlab.test"))
	require.NoError(t, err)
	defer srv.Close()
	status, body := get(t, srv.URL+"/api/v4/projects/1/clusters/18")
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"web_url":"https://gitlab.test/`)

	off, err := mocktest.NewServer(mockserver.WithFeature(mockserver.FeatureCertificateBasedClusters, false))
	require.NoError(t, err)
	defer off.Close()
	status, _ = get(t, off.URL+"/api/v4/projects/1/clusters")
	assert.Equal(t, 404, status)

	_, err = mocktest.NewServer(mockserver.WithMaxClusters(0))
	var ce *mockserver.ConfigError
	assert.ErrorAs(t, err, &ce)
}

// TestStartClosesWithTheTest: Start's server is gone once the (sub)test that started it ended.
func TestStartClosesWithTheTest(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		srv := mocktest.Start(t)
		url = srv.URL
		status, _ := get(t, url+"/api/v4/projects/1/clusters")
		assert.Equal(t, 200, status)
	})
	_, err := http.Get(url + "/-/health")
	assert.Error(t, err, "closed with the test")
}

// fatalTB records Fatalf instead of stopping the goroutine, to see StartServer's refusal.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) { f.msg = format + ": " + args[0].(error).Error() }

// TestStartServerRefusesAMistake: a wrong option fails the test with New's message.
func TestStartServerRefusesAMistake(t *testing.T) {
	tb := &fatalTB{TB: t}
	mocktest.StartServer(tb, mockserver.WithMaxClusters(0))
	assert.Contains(t, tb.msg, "max clusters 0: give a positive number")
}
