package mockserver_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestOneLogLinePerRequest: glmock logs every request once, with the same fields, whatever
// answered it: an operation, the catch-all, a fault (status or dropped), the control API,
// the health check.
func TestOneLogLinePerRequest(t *testing.T) {
	addr, logs, stop := runMain(t, []string{"--addr", "127.0.0.1:0"})
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
	for i, w := range want {
		m := lines[3+i]
		assert.Equal(t, w.path, m["path"])
		assert.EqualValues(t, w.status, m["status"], w.path)
		assert.EqualValues(t, w.user, m["user"], w.path)
		assert.Equal(t, w.operation, m["operation"], w.path)
		assert.Equal(t, w.fault, m["fault"], w.path)
	}
	assert.NotContains(t, logs.String(), "-token", "no token in the logs")
}

// TestCatchAllJournalsUser: a request to an unknown route is journaled with the user of its
// valid token (and none for an invalid one).
func TestCatchAllJournalsUser(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	do(t, srv, request{method: "GET", path: "/api/v4/nowhere", token: "developer-token"})
	do(t, srv, request{method: "GET", path: "/api/v4/nowhere", token: "not-a-token"})
	got := s.Requests(mockserver.JournalFilter{Path: "/api/v4/nowhere"})
	require.Len(t, got, 2)
	assert.Equal(t, 4, got[0].UserID)
	assert.Equal(t, 0, got[1].UserID)
}

// TestFaultPathMatchesWholeSegments: a fault on /api/v4/projects/1 hits project 1 and what
// is below it, never /projects/10.
func TestFaultPathMatchesWholeSegments(t *testing.T) {
	for _, path := range []string{"/api/v4/projects/1", "/api/v4/projects/1/"} {
		t.Run(path, func(t *testing.T) {
			s, srv := mocktest.StartServer(t)
			_, err := s.AddFault(mockserver.Fault{Path: path, Status: 503, Count: 10})
			require.NoError(t, err)
			assert.NotEqual(t, 503, do(t, srv, request{method: "GET", path: "/api/v4/projects/10/clusters", token: "maintainer-token"}).status)
			assert.NotEqual(t, 503, do(t, srv, request{method: "GET", path: "/api/v4/projects/12", token: "maintainer-token"}).status)
			assert.Equal(t, 503, do(t, srv, request{method: "GET", path: "/api/v4/projects/1/clusters", token: "maintainer-token"}).status)
			assert.Equal(t, 503, do(t, srv, request{method: "GET", path: "/api/v4/projects/1", token: "maintainer-token"}).status)
		})
	}
}
