package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/testproc"
)

// TestNoTestingInBinary: the glmock binary links neither package testing nor httptest; test
// helpers live in mockserver/mocktest.
func TestNoTestingInBinary(t *testing.T) {
	out, err := testproc.CommandTimeout(t, buildTimeout, "go", "list", "-deps", ".").Output()
	require.NoError(t, err, "go list -deps")
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/glclusters/clustersapi/mockserver", "go list listed glmock's dependencies")
	for _, d := range deps {
		assert.False(t, d == "testing" || d == "net/http/httptest" || strings.HasPrefix(d, "testing/"), "glmock links %s", d)
	}
}
