package mocktest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// ExampleNewServer starts the mock in-process, lists project 1's clusters, and checks that no
// response broke openapi.yaml. In a test, mocktest.Start(t) does the same and closes the server
// and fails the test by itself.
func ExampleNewServer() {
	srv, err := mocktest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

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
	fmt.Println("spec violations:", len(srv.Violations()))
	// Output:
	// 200 application/json 1
	// [{"id":18,"name":"cluster-1","crea
	// spec violations: 0
}

// ExampleNewTLSServer starts the mock over HTTPS, as httptest.NewTLSServer: Client trusts it,
// and CAPEM is the certificate to give clients outside Go (python-gitlab's ssl_verify,
// Terraform's cacert_file) in a file. In a test, mocktest.StartTLS(t) does the same.
func ExampleNewTLSServer() {
	srv, err := mocktest.NewTLSServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/api/v4/projects/1/clusters/18", nil)
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), `"web_url":"`+srv.URL+`/demo-group/demo"`))
	fmt.Println(strings.SplitN(string(srv.CAPEM()), "\n", 2)[0])
	// Output:
	// 200 true
	// -----BEGIN CERTIFICATE-----
}
