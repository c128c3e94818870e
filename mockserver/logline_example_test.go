package mockserver_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/glclusters/clustersapi/mockserver"
)

// ExampleNewLogHandler logs a mock's requests as glmock does, in slog's text format (the
// time, which changes, is cut off here).
func ExampleNewLogHandler() {
	var logs bytes.Buffer
	h, err := mockserver.NewLogHandler(&logs, "text", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := mockserver.New(mockserver.WithLogger(slog.New(h)))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := httptest.NewRequest("GET", "/api/v4/projects/1/clusters", nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	s.ServeHTTP(httptest.NewRecorder(), req)
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v4/a=b", nil))
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		_, rest, _ := strings.Cut(line, " ")
		rest = rest[:strings.Index(rest, " duration_ms=")]
		fmt.Println(rest)
	}
	// Output:
	// level=INFO msg=request method=GET path=/api/v4/projects/1/clusters status=200 user=3 operation=getApiV4ProjectsIdClusters fault=false truncated=false
	// level=INFO msg=request method=GET path="/api/v4/a=b" status=404 user=0 operation="" fault=false truncated=false
}
