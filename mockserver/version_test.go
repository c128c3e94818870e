package mockserver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestGitLabVersions checks what --gitlab-version changes (the README's table).
func TestGitLabVersions(t *testing.T) {
	cases := []struct {
		version          string
		wantVersion      string
		flagOn           bool
		developerReads   bool
		multipleClusters bool
	}{
		{"", "18.10.0", true, true, true},
		{"12.10", "12.10.0", true, false, false},
		{"13.2", "13.2.0", true, true, true},
		{"14.9.3", "14.9.3", true, true, true},
		{"15.0", "15.0.0", false, true, true},
		{"17.11", "17.11.0", false, true, true},
	}
	for _, tc := range cases {
		t.Run("v"+tc.version, func(t *testing.T) {
			var opts []mockserver.Option
			if tc.version != "" {
				opts = append(opts, mockserver.WithGitLabVersion(tc.version))
			}
			srv := mocktest.Start(t, opts...)
			v := do(t, srv, request{method: "GET", path: "/api/v4/version", token: "developer-token"}).json(t)
			assert.Equal(t, tc.wantVersion, v["version"])

			got := do(t, srv, request{method: "GET", path: clusters, token: "developer-token"})
			switch {
			case !tc.flagOn:
				assert.JSONEq(t, `{"message":"404 Not Found"}`, string(got.body), "off by default from 15.0 on self-managed")
			case tc.developerReads:
				assert.Equal(t, 200, got.status)
			default:
				assert.Equal(t, 403, got.status)
			}
			if !tc.flagOn {
				return
			}
			got = do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token", body: validBody("second", "production/*")})
			if tc.multipleClusters {
				assert.Equal(t, 201, got.status, string(got.body))
			} else {
				assert.JSONEq(t, `{"message":{"base":["Instance does not support multiple Kubernetes clusters"]}}`, string(got.body))
			}
		})
	}
}

func TestGitLabVersionFlagCanBeEnabled(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithGitLabVersion("16.0"), mockserver.WithFeature("certificate_based_clusters", true))
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: clusters, token: "developer-token"}).status)
}

func TestGitLabVersionInvalid(t *testing.T) {
	for _, v := range []string{"latest", "15", "9.0", "15.x"} {
		_, err := mockserver.New(mockserver.WithGitLabVersion(v))
		assert.Error(t, err, v)
	}
}

func TestSecondClusterIn12KeepsOtherErrors(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithGitLabVersion("12.10"))
	got := do(t, srv, request{method: "POST", path: addCluster, token: "maintainer-token",
		body: `{"name":"x","environment_scope":"x","platform_kubernetes_attributes":{"api_url":"invalid","token":"t"}}`})
	assert.JSONEq(t, `{"message":{"base":["Instance does not support multiple Kubernetes clusters"],"platform_kubernetes.api_url":["is blocked: Only allowed schemes are http, https"]}}`, string(got.body))
}

// TestGitLabVersionsFamily: when each endpoint appeared. Before its release a route is GitLab's
// catch-all 404; from it on, it answers (reference gitlab-cluster-family.md §5).
func TestGitLabVersionsFamily(t *testing.T) {
	catchAll := `{"error":"404 Not Found"}`
	cases := []struct {
		version                    string
		group, instance, discovery bool
		developerReadsGroup        bool
	}{
		{"12.0", false, false, false, false},
		{"12.1", true, false, false, false},
		{"13.1", true, false, false, true},
		{"13.2", true, true, false, true},
		{"17.8", true, true, false, true},
		{"17.9", true, true, true, true},
		{"", true, true, true, true},
	}
	for _, tc := range cases {
		t.Run("v"+tc.version, func(t *testing.T) {
			opts := []mockserver.Option{mockserver.WithFeature(mockserver.FeatureCertificateBasedClusters, true)}
			if tc.version != "" {
				opts = append(opts, mockserver.WithGitLabVersion(tc.version))
			}
			srv := mocktest.Start(t, opts...)
			group := do(t, srv, request{method: "GET", path: groupClusters, token: "developer-token"})
			switch {
			case !tc.group:
				assert.JSONEq(t, catchAll, string(group.body))
			case tc.developerReadsGroup:
				assert.Equal(t, 200, group.status, string(group.body))
			default:
				assert.Equal(t, 403, group.status, "reading needed Maintainer before 13.0")
				assert.Equal(t, 200, do(t, srv, request{method: "GET", path: groupClusters, token: "maintainer-token"}).status)
			}
			inst := do(t, srv, request{method: "GET", path: instanceClusters, token: "root-token"})
			if tc.instance {
				assert.Equal(t, 200, inst.status, string(inst.body))
			} else {
				assert.JSONEq(t, catchAll, string(inst.body))
			}
			disc := do(t, srv, request{method: "GET", path: discover + "?group_id=12", token: "developer-token"})
			if tc.discovery {
				assert.Equal(t, 200, disc.status, string(disc.body))
			} else {
				assert.JSONEq(t, catchAll, string(disc.body))
			}
		})
	}
	// Discovery has no flag check: 17.9 has the flag off by default and still answers.
	srv := mocktest.Start(t, mockserver.WithGitLabVersion("17.9"))
	assert.Equal(t, 404, do(t, srv, request{method: "GET", path: groupClusters, token: "developer-token"}).status)
	assert.Equal(t, 200, do(t, srv, request{method: "GET", path: discover + "?group_id=12", token: "developer-token"}).status)
}

// TestSecondGroupClusterIn12: before 13.2 a group, like a project, had one cluster at most.
func TestSecondGroupClusterIn12(t *testing.T) {
	srv := mocktest.Start(t, mockserver.WithGitLabVersion("12.10"))
	got := do(t, srv, request{method: "POST", path: addGroupCluster, token: "maintainer-token", body: validBody("second", "production/*")})
	assert.JSONEq(t, `{"message":{"base":["Instance does not support multiple Kubernetes clusters"]}}`, string(got.body))
	got = do(t, srv, request{method: "POST", path: "/api/v4/groups/13/clusters/user", token: "maintainer-token", body: validBody("first", "*")})
	assert.Equal(t, 201, got.status, "the first cluster of a group: %s", got.body)
}
