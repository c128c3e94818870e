package role_test

import (
	"testing"

	"github.com/glclusters/clustersapi/mockserver/internal/role"
)

func TestByNameAndName(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level int
		ok    bool
	}{
		{"guest", role.Guest, true},
		{"reporter", role.Reporter, true},
		{"developer", role.Developer, true},
		{"maintainer", role.Maintainer, true},
		{"owner", role.Owner, true},
		{"none", role.None, false},
		{"", role.None, false},
		{"Owner", role.None, false},
		{"admin", role.None, false},
	} {
		level, ok := role.ByName(tc.name)
		if level != tc.level || ok != tc.ok {
			t.Errorf("ByName(%q) = %d, %v; want %d, %v", tc.name, level, ok, tc.level, tc.ok)
		}
		if tc.ok {
			if got := role.Name(tc.level); got != tc.name {
				t.Errorf("Name(%d) = %q, want %q", tc.level, got, tc.name)
			}
		}
	}
	for _, level := range []int{role.None, 5, 45, 60, -10} {
		if got := role.Name(level); got != "" {
			t.Errorf("Name(%d) = %q, want \"\"", level, got)
		}
	}
}

// TestLevelsAsGitLab: the numbers are Gitlab::Access's, in increasing order of access.
func TestLevelsAsGitLab(t *testing.T) {
	got := []int{role.None, role.Guest, role.Reporter, role.Developer, role.Maintainer, role.Owner}
	want := []int{0, 10, 20, 30, 40, 50}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("level %d = %d, want %d", i, got[i], want[i])
		}
	}
}
