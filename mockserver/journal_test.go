package mockserver_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

type journalPage struct {
	Count     int                       `json:"count"`
	NextAfter int                       `json:"next_after"`
	Requests  []mockserver.JournalEntry `json:"requests"`
}

// TestControlJournalPages: GET /-/mock/requests answers at most limit entries (default 100,
// at most 1000) and links the next page, until every match has been read once.
func TestControlJournalPages(t *testing.T) {
	srv := mocktest.Start(t)
	doc := loadControlDoc(t)
	const n = 250
	for i := 0; i < n; i++ {
		do(t, srv, request{method: "GET", path: fmt.Sprintf("/api/v4/page-%d", i)})
	}
	do(t, srv, request{method: "GET", path: "/api/v4/version", token: "maintainer-token"}) // filtered out below

	var seen []string
	next := "/-/mock/requests?status=404"
	for pages := 0; next != ""; pages++ {
		require.Less(t, pages, 4, "three pages of 100, 100 and 50")
		got := do(t, srv, request{method: "GET", path: next, token: "root-token"})
		require.Equal(t, 200, got.status, string(got.body))
		doc.check(t, "GET", "/requests", nil, got)
		var p journalPage
		require.NoError(t, json.Unmarshal(got.body, &p))
		assert.Equal(t, n-len(seen), p.Count, "count is every match from this page on")
		assert.LessOrEqual(t, len(p.Requests), 100, "the default limit, as control.yaml says")
		for _, e := range p.Requests {
			seen = append(seen, e.Path)
		}
		next = ""
		if link := got.header.Get("Link"); link != "" {
			require.True(t, strings.HasSuffix(link, `>; rel="next"`), link)
			u, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`))
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprint(p.NextAfter), u.Query().Get("after"))
			next = u.RequestURI()
		} else {
			assert.Zero(t, p.NextAfter, "no next page, no next_after")
		}
	}
	require.Len(t, seen, n)
	for i, p := range seen {
		assert.Equal(t, fmt.Sprintf("/api/v4/page-%d", i), p, "each entry once, in order")
	}

	viaQuery := do(t, srv, request{method: "GET", path: "/-/mock/requests?limit=10&private_token=root-token"})
	assert.Contains(t, viaQuery.header.Get("Link"), "after=")
	assert.NotContains(t, viaQuery.header.Get("Link"), "root-token", "no token in the link")

	got := do(t, srv, request{method: "GET", path: "/-/mock/requests?limit=1000", token: "root-token"})
	var p journalPage
	require.NoError(t, json.Unmarshal(got.body, &p))
	assert.Len(t, p.Requests, n+1)
	assert.Empty(t, got.header.Get("Link"))
	for _, bad := range []string{"limit=0", "limit=1001", "limit=x", "after=-1"} {
		got := do(t, srv, request{method: "GET", path: "/-/mock/requests?" + bad, token: "root-token"})
		assert.Equal(t, 400, got.status, bad)
		doc.check(t, "GET", "/requests", nil, got)
	}
}

// TestJournalTruncatesLongPaths: an entry keeps at most 2 KiB of a path and says it was cut.
func TestJournalTruncatesLongPaths(t *testing.T) {
	srv := mocktest.Start(t)
	long := "/api/v4/" + strings.Repeat("p", 60<<10)
	assert.Equal(t, 404, do(t, srv, request{method: "GET", path: long}).status)
	got := do(t, srv, request{method: "GET", path: "/-/mock/requests", token: "root-token"})
	var p journalPage
	require.NoError(t, json.Unmarshal(got.body, &p))
	require.Len(t, p.Requests, 1)
	assert.True(t, p.Requests[0].Truncated)
	assert.Equal(t, long[:mockserver.JournalMaxPath], p.Requests[0].Path)
	assert.Less(t, len(got.body), 3<<10)
}
