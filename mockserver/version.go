package mockserver

import (
	"fmt"
	"strconv"
	"strings"
)

// gitlabVersion selects release-specific behaviour (see the README's version table).
type gitlabVersion struct {
	major, minor int
	text         string
	set          bool // chosen with --gitlab-version; otherwise the newest behaviour
}

// newestVersion is the release whose behaviour the mock follows by default.
var newestVersion = gitlabVersion{major: 18, minor: 10, text: "18.10.0"}

// oldestVersion is the first release with the project clusters API.
var oldestVersion = gitlabVersion{major: 11, minor: 7, text: "11.7.0"}

func parseGitLabVersion(s string) (gitlabVersion, error) {
	bad := &ConfigError{fmt.Sprintf("gitlab version %q: want X.Y or X.Y.Z, e.g. 14.10 (from 11.7, when the clusters API appeared)", s)}
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return gitlabVersion{}, bad
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) > 6 || strings.Trim(p, "0123456789") != "" { // digits only: no sign
			return gitlabVersion{}, bad
		}
		nums[i] = n
	}
	v := gitlabVersion{major: nums[0], minor: nums[1], set: true}
	if !v.atLeast(oldestVersion.major, oldestVersion.minor) {
		return gitlabVersion{}, &ConfigError{fmt.Sprintf("gitlab version %q: the project clusters API exists from 11.7; give 11.7 or later", s)}
	}
	v.text = fmt.Sprintf("%d.%d.%d", nums[0], nums[1], 0)
	if len(nums) == 3 {
		v.text = fmt.Sprintf("%d.%d.%d", nums[0], nums[1], nums[2])
	}
	return v, nil
}

// behavesAs names the modelled release whose behaviour v gets: a release newer than the
// newest modelled one behaves as that one (every rule is "from release X on").
func (v gitlabVersion) behavesAs() string {
	if v.atLeast(newestVersion.major, newestVersion.minor) && (v.major != newestVersion.major || v.minor != newestVersion.minor) {
		return fmt.Sprintf("%d.%d (the newest modelled)", newestVersion.major, newestVersion.minor)
	}
	return fmt.Sprintf("%d.%d", v.major, v.minor)
}

func (v gitlabVersion) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

// clustersFlagDefault: certificate_based_clusters is on before 15.0 and off by default on
// self-managed from 15.0 (MR 85632). Without --gitlab-version the flag is on.
func (v gitlabVersion) clustersFlagDefault() bool { return !v.set || !v.atLeast(15, 0) }

// readLevel is the role that may read clusters: Maintainer in 12.x (spec @7881eb30),
// Developer in current releases.
func (v gitlabVersion) readLevel() int {
	if v.atLeast(13, 0) {
		return accessDeveloper
	}
	return accessMaintainer
}

// multipleClusters: several clusters per project became available in Free in 13.2; before,
// a second cluster was refused.
func (v gitlabVersion) multipleClusters() bool { return v.atLeast(13, 2) }

const msgMultipleClusters = "Instance does not support multiple Kubernetes clusters"
