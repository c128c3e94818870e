package mockserver_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// createCluster stands for the code under test: it adds a cluster to project 1.
func createCluster(gitlabURL string) {
	body := `{"name":"prod","environment_scope":"production","platform_kubernetes_attributes":{"api_url":"https://k8s.example.com","token":"k8s-token"}}`
	req, _ := http.NewRequest("POST", gitlabURL+"/api/v4/projects/1/clusters/user", strings.NewReader(body))
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

// ExampleServer_Requests asserts what the code under test sent: exactly one cluster created,
// by the maintainer (user 3).
func ExampleServer_Requests() {
	srv, err := mocktest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	s := srv.Mock

	createCluster(srv.URL)

	created, err := s.Requests(mockserver.JournalFilter{Operation: mockserver.OpCreateCluster, Status: 201})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(created), created[0].Method, created[0].Path, created[0].UserID)

	// A filter that could never match is an error, not an empty answer.
	_, err = s.Requests(mockserver.JournalFilter{Path: "api/v4/projects/1/clusters"})
	fmt.Println(err)
	// Output:
	// 1 POST /api/v4/projects/1/clusters/user 3
	// requests: path "api/v4/projects/1/clusters" never matches: request paths start with "/", e.g. /api/v4/projects/1
}

// ExampleServer_AddFault makes the next create answer GitLab's rate limit, as a client's
// retry logic would meet it, then checks that the client tried again.
func ExampleServer_AddFault() {
	srv, err := mocktest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	s := srv.Mock

	f, err := s.AddFault(mockserver.Fault{Operation: mockserver.OpCreateCluster, Status: 429, RetryAfter: 1, Count: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("fault", f.ID, "active:", len(s.Faults()))

	createCluster(srv.URL) // rate limited
	createCluster(srv.URL) // the retry goes through
	creates, err := s.Requests(mockserver.JournalFilter{Operation: mockserver.OpCreateCluster})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range creates {
		fmt.Println(e.Status, e.Fault)
	}
	fmt.Println("active after use:", len(s.Faults()))

	_, err = s.AddFault(mockserver.Fault{Status: 418, Count: 1})
	fmt.Println(err)
	// Output:
	// fault 1 active: 1
	// 429 true
	// 201 false
	// active after use: 0
	// fault: status 418: use 429, 500, 502 or 503
}

// ExampleServer_ClearRequests starts a test's assertions from an empty journal.
func ExampleServer_ClearRequests() {
	srv, err := mocktest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	s := srv.Mock

	createCluster(srv.URL) // set-up, not under test
	s.ClearRequests()
	all, _ := s.Requests(mockserver.JournalFilter{}) // an empty filter is always valid
	fmt.Println(len(all))
	// Output:
	// 0
}
