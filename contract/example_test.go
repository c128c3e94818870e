package contract_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/mockserver"
)

// ExampleRun runs the whole suite, with --write, against the in-process mock and prints the
// verdict. Against a real GitLab, URL is its root and Token a personal access token.
func ExampleRun() {
	mock, err := mockserver.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(mock)
	defer srv.Close()

	rep, err := contract.Run(context.Background(), contract.Config{
		URL:     srv.URL,
		Token:   "root-token",
		Project: "demo-group/demo",
		Write:   true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("result:", rep.Result, "exit:", rep.ExitCode())
	fmt.Println("findings:", len(rep.Errors()), "notes:", len(rep.Notes()))
	fmt.Println("first step:", rep.Steps[0].Request, rep.Steps[0].Status)
	// Output:
	// result: pass exit: 0
	// findings: 0 notes: 0
	// first step: GET /api/v4/version 200
}

// ExampleMain is the glcontract command as a function: here, the flag-off case.
func ExampleMain() {
	mock, _ := mockserver.New(mockserver.WithFeature("certificate_based_clusters", false))
	srv := httptest.NewServer(mock)
	defer srv.Close()

	var out, errOut stringsBuilder
	code := contract.Main(context.Background(),
		[]string{"check", "--url", srv.URL + "/api/v4", "--project", "1"},
		contract.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
			if k == "GITLAB_TOKEN" {
				return "root-token"
			}
			return ""
		}})
	fmt.Println("exit", code)
	fmt.Println(out.Line(3))
	// Output:
	// exit 0
	// SKIPPED: clusters API disabled on this instance (certificate_based_clusters)
}
