package mockserver_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
)

func TestHTTPServerLimits(t *testing.T) {
	hs := mockserver.NewHTTPServer(http.NotFoundHandler())
	assert.NotZero(t, hs.ReadHeaderTimeout)
	assert.NotZero(t, hs.ReadTimeout)
	assert.NotZero(t, hs.IdleTimeout)
	assert.NotZero(t, hs.MaxHeaderBytes)
}

// TestSlowClientIsCut: a client that never finishes its headers is disconnected after the
// header timeout (shortened here), while others are served meanwhile.
func TestSlowClientIsCut(t *testing.T) {
	s, err := mockserver.New()
	require.NoError(t, err)
	hs := mockserver.NewHTTPServer(s)
	hs.ReadHeaderTimeout = 200 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })

	slow, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer slow.Close()
	_, err = io.WriteString(slow, "GET /api/v4/version HTTP/1.1\r\nHost: x\r\nPRIVATE-TO")
	require.NoError(t, err)

	resp, err := http.Get("http://" + ln.Addr().String() + "/-/health")
	require.NoError(t, err, "others are served while a client stalls")
	resp.Body.Close()

	slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	line, _ := bufio.NewReader(slow).ReadString('\n')
	assert.Less(t, time.Since(start), 4*time.Second, "the stalled connection was closed by the server")
	assert.False(t, strings.Contains(line, "200"), "the stalled request was not served: %q", line)
}

func TestHugeHeaderRefused(t *testing.T) {
	s, err := mockserver.New()
	require.NoError(t, err)
	hs := mockserver.NewHTTPServer(s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/v4/version", nil)
	req.Header.Set("X-Junk", strings.Repeat("a", 200<<10))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}
