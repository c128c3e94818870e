package paging_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/glclusters/clustersapi/mockserver/internal/paging"
)

// TestParse: Kaminari's reading of page and per_page, and an offset that never overflows.
func TestParse(t *testing.T) {
	cases := []struct {
		query  string
		want   paging.Page
		offset int
	}{
		{"", paging.Page{Number: 1, PerPage: 20}, 0},
		{"page=3", paging.Page{Number: 3, PerPage: 20}, 40},
		{"page=0&per_page=5", paging.Page{Number: 1, PerPage: 5}, 0},
		{"page=-2&per_page=-5", paging.Page{Number: 1, PerPage: 20}, 0},
		{"per_page=1000", paging.Page{Number: 1, PerPage: 100}, 0},
		{"page=9223372036854775807&per_page=100", paging.Page{Number: math.MaxInt, PerPage: 100}, math.MaxInt},
	}
	for _, tc := range cases {
		q, err := url.ParseQuery(tc.query)
		assert.NoError(t, err)
		got := paging.Parse(q)
		assert.Equal(t, tc.want, got, tc.query)
		assert.Equal(t, tc.offset, got.Offset(), tc.query)
	}
}

// TestSetHeaders: GitLab's headers and Link for a middle page, without the credentials of
// the query, behind a proxy that says https.
func TestSetHeaders(t *testing.T) {
	r := httptest.NewRequest("GET", "http://gitlab.test/api/v4/projects/demo-group%2Fdemo/clusters?private_token=secret&page=2&per_page=1&x=y", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	h := http.Header{}
	paging.Page{Number: 2, PerPage: 1}.SetHeaders(h, r, r.URL.Query(), r.URL.EscapedPath(), "demo-group%2Fdemo", 3)
	assert.Equal(t, "2", h.Get("X-Page"))
	assert.Equal(t, "1", h.Get("X-Per-Page"))
	assert.Equal(t, "3", h.Get("X-Next-Page"))
	assert.Equal(t, "1", h.Get("X-Prev-Page"))
	assert.Equal(t, "3", h.Get("X-Total"))
	assert.Equal(t, "3", h.Get("X-Total-Pages"))
	base := "https://gitlab.test/api/v4/projects/demo-group%2Fdemo/clusters?id=demo-group%2Fdemo&page="
	assert.Equal(t, `<`+base+`1&per_page=1&x=y>; rel="prev", <`+base+`3&per_page=1&x=y>; rel="next", <`+base+`1&per_page=1&x=y>; rel="first", <`+base+`3&per_page=1&x=y>; rel="last"`, h.Get("Link"))
	assert.NotContains(t, h.Get("Link"), "secret")
}
