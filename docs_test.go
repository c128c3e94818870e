package clustersapi_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocsStandAlone: the repository's Markdown names no file outside it (the shared/ folders
// of the machine it was written on), and gives one figure for the heap a stored cluster takes.
func TestDocsStandAlone(t *testing.T) {
	perCluster := regexp.MustCompile(`(\d+(?:\.\d+)?) kB of heap`)
	var docs int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == ".git" || path == ".tools" || path == "bin" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".md") {
			return nil
		}
		docs++
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		text := string(raw)
		assert.NotContains(t, text, "shared/", "%s points at a file outside the repository", path)
		for _, m := range perCluster.FindAllStringSubmatch(text, -1) {
			assert.Equal(t, "0.25", m[1], "%s: %q; the heap per stored cluster is 0.25 kB everywhere", path, m[0])
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, docs, 3, "the walk found the docs")
}
