package buildinfo_test

import (
	"testing"

	"github.com/glclusters/clustersapi/internal/buildinfo"
)

func TestVersion(t *testing.T) {
	if got := buildinfo.Version("v1.2.3"); got != "v1.2.3" {
		t.Errorf("Version(v1.2.3) = %q", got)
	}
	// A test binary is built from the main module's source tree: no module version.
	if got := buildinfo.Version(""); got != "devel" {
		t.Errorf(`Version("") = %q, want "devel"`, got)
	}
}
