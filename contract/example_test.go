package contract_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

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

// ExampleValidRunID: the run ids `glcontract check --run-id` accepts, and Sweep recognises in
// cluster names, are those NewRunID makes.
func ExampleValidRunID() {
	id := contract.NewRunID(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	fmt.Println(id[:15], contract.ValidRunID(id))
	fmt.Println(contract.ValidRunID("Run-1"), contract.ValidRunID(""))
	// Output:
	// 20250102t030405 true
	// false false
}
