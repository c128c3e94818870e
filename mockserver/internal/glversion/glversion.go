// Package glversion holds the behaviour of each GitLab release the mock models.
package glversion

import (
	"fmt"
	"strconv"
	"strings"
)

// Version selects release-specific behaviour (see the README's version table). The zero
// Version is not valid: start from Newest or Parse.
type Version struct {
	major, minor int
	text         string
	set          bool // chosen with --gitlab-version; otherwise the newest behaviour
}

// Newest is the release whose behaviour the mock follows by default.
var Newest = Version{major: 18, minor: 10, text: "18.10.0"}

// oldestVersion is the first release with the project clusters API.
var oldestVersion = Version{major: 11, minor: 7, text: "11.7.0"}

// Parse reads a release, X.Y or X.Y.Z from 11.7; its error says what is valid.
func Parse(s string) (Version, error) {
	bad := fmt.Errorf("gitlab version %q: want X.Y or X.Y.Z, e.g. 14.10 (from 11.7, when the clusters API appeared)", s)
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, bad
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) > 6 || strings.Trim(p, "0123456789") != "" { // digits only: no sign
			return Version{}, bad
		}
		nums[i] = n
	}
	v := Version{major: nums[0], minor: nums[1], set: true}
	if !v.atLeast(oldestVersion.major, oldestVersion.minor) {
		return Version{}, fmt.Errorf("gitlab version %q: the project clusters API exists from 11.7; give 11.7 or later", s)
	}
	v.text = fmt.Sprintf("%d.%d.%d", nums[0], nums[1], 0)
	if len(nums) == 3 {
		v.text = fmt.Sprintf("%d.%d.%d", nums[0], nums[1], nums[2])
	}
	return v, nil
}

// String is the release as X.Y.Z.
func (v Version) String() string { return v.text }

// BehavesAs names the modelled release whose behaviour v gets: a release newer than the
// newest modelled one behaves as that one (every rule is "from release X on").
func (v Version) BehavesAs() string {
	if v.atLeast(Newest.major, Newest.minor) && (v.major != Newest.major || v.minor != Newest.minor) {
		return fmt.Sprintf("%d.%d (the newest modelled)", Newest.major, Newest.minor)
	}
	return fmt.Sprintf("%d.%d", v.major, v.minor)
}

func (v Version) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

// ClustersFlagDefault: certificate_based_clusters is on before 15.0 and off by default on
// self-managed from 15.0 (MR 85632). Without --gitlab-version the flag is on.
func (v Version) ClustersFlagDefault() bool { return !v.set || !v.atLeast(15, 0) }

// ReadNeedsMaintainer says whether reading clusters needs Maintainer, as in 12.x (spec
// @7881eb30); current releases let Developer read them.
func (v Version) ReadNeedsMaintainer() bool { return !v.atLeast(13, 0) }

// MultipleClusters: several clusters per project became available in Free in 13.2; before,
// a second cluster was refused.
func (v Version) MultipleClusters() bool { return v.atLeast(13, 2) }

// MsgMultipleClusters is 12.x's answer to a second cluster in a project.
const MsgMultipleClusters = "Instance does not support multiple Kubernetes clusters"

// GroupClusters: the group clusters API came in 12.1 (doc/api/group_clusters.md of that era,
// MR gitlab-foss!30213; lib/api/group_clusters.rb's desc "introduced in GitLab 12.1").
func (v Version) GroupClusters() bool { return v.atLeast(12, 1) }

// InstanceClusters: the instance clusters API came in 13.2 (lib/api/admin/instance_clusters.rb's
// desc "This feature was introduced in GitLab 13.2."; doc/api/instance_clusters.md, MR 36001).
func (v Version) InstanceClusters() bool { return v.atLeast(13, 2) }

// ClusterDiscovery: GET /discover-cert-based-clusters came in 17.9 (lib/api/cluster_discovery.rb's
// desc "This feature was introduced in GitLab 17.9.").
func (v Version) ClusterDiscovery() bool { return v.atLeast(17, 9) }
