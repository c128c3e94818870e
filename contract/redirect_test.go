package contract_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/proxytest"
)

// TestRedirectHTTPSToHTTPIsNotFollowed: never a downgrade, even on the same host and port.
func TestRedirectHTTPSToHTTPIsNotFollowed(t *testing.T) {
	rec := proxytest.NewRecorder(t, false)
	target := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, rec.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	t.Cleanup(target.Close)
	rep, err := contract.Run(context.Background(), contract.Config{URL: target.URL, Token: rootToken, Project: project, Write: true,
		Client: &contract.Client{HTTP: target.Client()}})
	var redir *contract.RedirectError
	require.ErrorAs(t, err, &redir)
	require.Equal(t, contract.ResultAborted, rep.Result)
	require.Empty(t, rec.Seen())
	require.NotContains(t, err.Error(), "use the https URL")
	require.Equal(t, 2, rep.ExitCode())
}
