package mockserver_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestEveryJSONAnswerHasContentLength: short bodies get their Content-Length from net/http,
// long ones from the mock; either way every JSON answer carries one that matches its body and
// none is sent chunked. Read off the raw wire, with bodies around net/http's 2048-byte buffer.
func TestEveryJSONAnswerHasContentLength(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithMaxClusters(100))
	seen := map[bool]bool{} // long body -> seen
	raw := func(method, path, body string) (int, http.Header, []byte) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		require.NoError(t, err)
		defer conn.Close()
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nPRIVATE-TOKEN: maintainer-token\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", method, path, len(body), body)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Empty(t, resp.TransferEncoding, "%s %s was sent chunked", method, path)
		return resp.StatusCode, resp.Header, b
	}
	check := func(method, path, body string) {
		status, h, b := raw(method, path, body)
		if status == http.StatusNoContent {
			return
		}
		n, err := strconv.Atoi(h.Get("Content-Length"))
		require.NoError(t, err, "%s %s: Content-Length %q", method, path, h.Get("Content-Length"))
		require.Equal(t, len(b), n, "%s %s", method, path)
		seen[len(b) >= 2048] = true
	}
	// Two more clusters in project 1, then the second one renamed a byte at a time, so that the
	// list's body crosses 2048 bytes byte by byte.
	var ids []int
	for i := range 2 {
		body := fmt.Sprintf(`{"name":"c%d","environment_scope":"s/%d","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`, i, i)
		status, h, b := raw("POST", "/api/v4/projects/1/clusters/user", body)
		require.Equal(t, http.StatusCreated, status, "%s", b)
		require.Equal(t, strconv.Itoa(len(b)), h.Get("Content-Length"))
		var c struct{ ID int }
		require.NoError(t, json.Unmarshal(b, &c))
		ids = append(ids, c.ID)
	}
	sizes := map[int]bool{}
	for n := 1; n <= 255; n++ {
		status, _, b := raw("PUT", "/api/v4/projects/1/clusters/"+strconv.Itoa(ids[1]), `{"name":"`+strings.Repeat("n", n)+`"}`)
		require.Equal(t, http.StatusOK, status, "%s", b)
		_, _, list := raw("GET", "/api/v4/projects/1/clusters", "")
		sizes[len(list)] = true
		check("GET", "/api/v4/projects/1/clusters", "")
	}
	for _, n := range []int{2047, 2048, 2049} {
		require.True(t, sizes[n], "no list of %d bytes: widen the renaming", n)
	}
	check("GET", "/api/v4/projects/1/clusters", "")
	check("GET", "/api/v4/projects/1/clusters?per_page=1", "")
	check("GET", "/api/v4/projects/1/clusters/18", "")
	check("GET", "/api/v4/projects/1/clusters/999999", "")
	check("GET", "/api/v4/nowhere", "")
	check("POST", "/api/v4/projects/1/clusters/user", "{}")
	for id := 19; id < 40; id++ {
		check("GET", "/api/v4/projects/1/clusters/"+strconv.Itoa(id), "")
	}
	require.True(t, seen[false] && seen[true], "want answers on both sides of 2048 bytes, saw %v", seen)
}
