package mockserver

import (
	"regexp"
	"testing"
)

// GitLab's regular expressions, which the loops in rules.go follow.
var (
	gitlabScope     = regexp.MustCompile(`\A[a-zA-Z0-9_/${}. \-*]+\z`)
	gitlabNamespace = regexp.MustCompile(`\A[a-z0-9]([-a-z0-9]*[a-z0-9])?\z`)
)

func FuzzRuleLoopsMatchGitLabRegexps(f *testing.F) {
	for _, s := range []string{"", "*", "production/*", "review/${CI}", "a b", "-x", "x-", "a-b", "ns1", "A", "é", "a\nb", "tab\t", "#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validScope(s), gitlabScope.MatchString(s); got != want {
			t.Errorf("validScope(%q) = %v, GitLab's regexp says %v", s, got, want)
		}
		if got, want := validNamespace(s), gitlabNamespace.MatchString(s); got != want {
			t.Errorf("validNamespace(%q) = %v, GitLab's regexp says %v", s, got, want)
		}
	})
}
