package mockserver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestCatchAllJournalsUser: a request to an unknown route is journaled with the user of its
// valid token (and none for an invalid one).
func TestCatchAllJournalsUser(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	do(t, srv, request{method: "GET", path: "/api/v4/nowhere", token: "developer-token"})
	do(t, srv, request{method: "GET", path: "/api/v4/nowhere", token: "not-a-token"})
	got, err := s.Requests(mockserver.JournalFilter{Path: "/api/v4/nowhere"})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, 4, got[0].UserID)
	assert.Equal(t, 0, got[1].UserID)
}

// TestFaultPathMatchesWholeSegments: a fault on /api/v4/projects/1 hits project 1 and what
// is below it, never /projects/10.
func TestFaultPathMatchesWholeSegments(t *testing.T) {
	for _, path := range []string{"/api/v4/projects/1", "/api/v4/projects/1/"} {
		t.Run(path, func(t *testing.T) {
			s, srv := mocktest.StartServer(t)
			_, err := s.AddFault(mockserver.Fault{Path: path, Status: 503, Count: 10})
			require.NoError(t, err)
			assert.NotEqual(t, 503, do(t, srv, request{method: "GET", path: "/api/v4/projects/10/clusters", token: "maintainer-token"}).status)
			assert.NotEqual(t, 503, do(t, srv, request{method: "GET", path: "/api/v4/projects/12", token: "maintainer-token"}).status)
			assert.Equal(t, 503, do(t, srv, request{method: "GET", path: "/api/v4/projects/1/clusters", token: "maintainer-token"}).status)
			assert.Equal(t, 503, do(t, srv, request{method: "GET", path: "/api/v4/projects/1", token: "maintainer-token"}).status)
		})
	}
}
