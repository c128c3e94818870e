package contract_test

import (
	"context"
	"os"
	"testing"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/mockserver"
)

func TestScratchMock(t *testing.T) {
	srv := mockserver.Start(t)
	rep, err := contract.Run(context.Background(), contract.Config{URL: srv.URL, Token: "root-token", Project: "1", Write: true, Progress: os.Stderr})
	if err != nil {
		t.Log(err)
	}
	contract.WriteConsole(os.Stdout, rep)
}
