package mockserver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestFiltersThatCanNeverMatchAreRefused (issue 21): a journal filter or a fault that could
// never match (an operation openapi.yaml does not have, a path without its leading "/") is
// refused in the same words in Go (an error) and over HTTP (the control API's 400), so a test
// asserting "no such call" cannot pass on a typo; nothing is added.
func TestFiltersThatCanNeverMatchAreRefused(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	for _, tc := range []struct {
		name            string
		filter          mockserver.JournalFilter
		query, faultArg string
		want            string
	}{
		{"unknown operation", mockserver.JournalFilter{Operation: "postApiV4ProjectsIdCluster"}, "operation=postApiV4ProjectsIdCluster",
			`"operation":"postApiV4ProjectsIdCluster"`, `operation "postApiV4ProjectsIdCluster" is not in openapi.yaml; the operations are `},
		{"path without its slash", mockserver.JournalFilter{Path: "api/v4/projects/1"}, "path=api/v4/projects/1",
			`"path":"api/v4/projects/1"`, `path "api/v4/projects/1" never matches: request paths start with "/", e.g. /api/v4/projects/1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Requests(tc.filter)
			require.Error(t, err, "Requests")
			assert.Contains(t, err.Error(), tc.want)
			if tc.filter.Operation != "" {
				assert.Contains(t, err.Error(), mockserver.OpCreateCluster, "the valid operations are listed")
			}

			got := do(t, srv, request{method: "GET", path: "/-/mock/requests?" + tc.query, token: "root-token"})
			assert.Equal(t, 400, got.status)
			assert.Contains(t, got.json(t)["message"], tc.want)
			loadControlDoc(t).check(t, "GET", "/requests", nil, got)

			_, err = s.AddFault(mockserver.Fault{Operation: tc.filter.Operation, Path: tc.filter.Path, Status: 503, Count: 1})
			require.Error(t, err, "AddFault")
			assert.Contains(t, err.Error(), tc.want)
			got = do(t, srv, request{method: "POST", path: "/-/mock/faults", token: "root-token",
				body: `{` + tc.faultArg + `,"status":503,"count":1}`})
			assert.Equal(t, 400, got.status)
			assert.Contains(t, got.json(t)["message"], tc.want)
			loadControlDoc(t).check(t, "POST", "/faults", nil, got)
			assert.Empty(t, s.Faults(), "nothing added")
		})
	}
}

// TestFaultWindowNamedAsTheCallerSeesIt: a fault without count or a time window names the
// window's field as each interface has it: Until in Go, duration over HTTP.
func TestFaultWindowNamedAsTheCallerSeesIt(t *testing.T) {
	s, srv := mocktest.StartServer(t)
	_, err := s.AddFault(mockserver.Fault{Status: 503})
	assert.EqualError(t, err, "fault: give count (the next N requests) or Until (a time window)")
	got := do(t, srv, request{method: "POST", path: "/-/mock/faults", token: "root-token", body: `{"status":503}`})
	assert.Equal(t, 400, got.status)
	assert.Equal(t, "fault: give count (the next N requests) or duration (a time window)", got.json(t)["message"])
}

// TestControlAPINeedsAnAdministrator: a token that is not an administrator's gets a 403 that
// says what is needed.
func TestControlAPINeedsAnAdministrator(t *testing.T) {
	srv := mocktest.Start(t)
	got := do(t, srv, request{method: "GET", path: "/-/mock/requests", token: "maintainer-token"})
	assert.Equal(t, 403, got.status)
	assert.Contains(t, got.json(t)["message"], "needs an administrator's token")
	loadControlDoc(t).check(t, "GET", "/requests", nil, got)
}
