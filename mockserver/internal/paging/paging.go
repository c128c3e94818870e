// Package paging reads page and per_page as Grape does and writes GitLab's pagination headers
// and Link.
package paging

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Page is one page of GitLab's offset pagination (Kaminari, at most 100 a page).
type Page struct{ Number, PerPage int }

// Parse reads page and per_page, already validated against the spec: per_page above 100
// is clamped, a negative per_page is ignored (Kaminari), a page below 1 reads as 1.
func Parse(q url.Values) Page {
	p := Page{Number: 1, PerPage: 20}
	if len(q) == 0 {
		return p
	}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		p.PerPage = min(n, 100)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		p.Number = n
	}
	return p
}

// Offset is where the page starts; a page past any store gives math.MaxInt rather than an
// overflow.
func (p Page) Offset() int {
	if p.Number-1 < math.MaxInt/p.PerPage {
		return (p.Number - 1) * p.PerPage
	}
	return math.MaxInt
}

// SetHeaders writes the X-* headers and Link (lib/gitlab/pagination/offset_header_builder.rb)
// for a request to a list; rawID is the project's or group's id as the path has it (escaped),
// "" for a route without one (the instance's clusters).
func (p Page) SetHeaders(h http.Header, r *http.Request, rawID string, total int) {
	pages := max((total+p.PerPage-1)/p.PerPage, 1)
	outOfRange := p.Number > pages
	next, prev := "", ""
	if p.Number < pages && !outOfRange {
		next = strconv.Itoa(p.Number + 1)
	}
	if p.Number > 1 && !outOfRange {
		prev = strconv.Itoa(p.Number - 1)
	}
	h["X-Per-Page"] = []string{strconv.Itoa(p.PerPage)}
	h["X-Page"] = []string{strconv.Itoa(p.Number)}
	h["X-Next-Page"] = []string{next}
	h["X-Prev-Page"] = []string{prev}
	h["X-Total"] = []string{strconv.Itoa(total)}
	h["X-Total-Pages"] = []string{strconv.Itoa(pages)}

	// GitLab's links carry every request parameter, the route's id included, sorted (Rails'
	// to_query); the mock leaves out credentials (GitLab would echo a private_token given in the
	// query). The query is encoded once, around the page number.
	id, err := url.PathUnescape(rawID)
	if err != nil {
		id = rawID
	}
	var prefix, suffix string
	base := RequestScheme(r) + "://" + r.Host + r.URL.EscapedPath() + "?"
	if r.URL.RawQuery == "" { // the common case, without building maps
		prefix = base + "page="
		if rawID != "" {
			prefix = base + "id=" + url.QueryEscape(id) + "&page="
		}
		suffix = "&per_page=" + strconv.Itoa(p.PerPage)
	} else {
		q := queryWithout(r.URL.Query(), "private_token", "access_token", "page")
		if rawID != "" {
			q.Set("id", id)
		}
		q.Set("per_page", strconv.Itoa(p.PerPage))
		before, after := url.Values{}, url.Values{}
		for k, v := range q {
			if k < "page" {
				before[k] = v
			} else {
				after[k] = v
			}
		}
		prefix = base
		if len(before) > 0 {
			prefix += before.Encode() + "&"
		}
		prefix += "page="
		if len(after) > 0 {
			suffix = "&" + after.Encode()
		}
	}
	link := func(page int, rel string) string {
		return "<" + prefix + strconv.Itoa(page) + suffix + `>; rel="` + rel + `"`
	}
	links := make([]string, 0, 4)
	if prev != "" {
		links = append(links, link(p.Number-1, "prev"))
	}
	if next != "" {
		links = append(links, link(p.Number+1, "next"))
	}
	links = append(links, link(1, "first"), link(pages, "last"))
	h["Link"] = []string{strings.Join(links, ", ")}
}

// RequestScheme is the scheme the client used: X-Forwarded-Proto behind a proxy, else the
// connection's.
func RequestScheme(r *http.Request) string {
	if proto := r.Header.Get("X-Forwarded-Proto"); proto == "https" || proto == "http" {
		return proto
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// queryWithout returns the query without the given keys (credentials, for Link headers).
func queryWithout(q url.Values, keys ...string) url.Values {
	out := url.Values{}
	for k, v := range q {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}
