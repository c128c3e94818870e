package mockserver_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/glclusters/clustersapi/mockserver"
)

// ExampleStart starts the mock in-process for a test and lists project 1's clusters.
func ExampleStart() {
	t := &testing.T{} // in a real test, use the test's own *testing.T
	srv := mockserver.Start(t)

	req, _ := http.NewRequest("GET", srv.URL+"/api/v4/projects/demo-group%2Fdemo/clusters", nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Total"))
	fmt.Println(string(body[:34]))
	srv.Close()
	// Output:
	// 200 application/json 1
	// [{"id":18,"name":"cluster-1","crea
}
