// Package paging reads page and per_page as Grape does and writes GitLab's pagination headers
// and Link.
package paging

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
// for a request to a list whose escaped path is escapedPath and whose query, as Grape coerced
// it, is query (nil or empty: none); rawID is the project's or group's id as the path has it
// (escaped), "" for a route without one (the instance's clusters).
func (p Page) SetHeaders(h http.Header, r *http.Request, query url.Values, escapedPath, rawID string, total int) {
	pages := max((total+p.PerPage-1)/p.PerPage, 1)
	outOfRange := p.Number > pages
	next, prev := "", ""
	if p.Number < pages && !outOfRange {
		next = strconv.Itoa(p.Number + 1)
	}
	if p.Number > 1 && !outOfRange {
		prev = strconv.Itoa(p.Number - 1)
	}
	// One backing array for the seven one-value slices (full slice expressions, so that an
	// Add to one cannot overwrite the next).
	v := make([]string, 7)
	v[0], v[1], v[2], v[3], v[4], v[5] = strconv.Itoa(p.PerPage), strconv.Itoa(p.Number), next, prev, strconv.Itoa(total), strconv.Itoa(pages)
	h["X-Per-Page"] = v[0:1:1]
	h["X-Page"] = v[1:2:2]
	h["X-Next-Page"] = v[2:3:3]
	h["X-Prev-Page"] = v[3:4:4]
	h["X-Total"] = v[4:5:5]
	h["X-Total-Pages"] = v[5:6:6]

	// GitLab's links carry every request parameter, the route's id included, sorted (Rails'
	// to_query); the mock leaves out credentials (GitLab would echo a private_token given in the
	// query). The query is encoded once, around the page number.
	id, err := url.PathUnescape(rawID)
	if err != nil {
		id = rawID
	}
	// One buffer (on the stack while it fits): the links' common prefix (up to "page=") first,
	// then the links, which copy it.
	var space [1024]byte
	buf := space[:0]
	buf = append(buf, RequestScheme(r)...)
	buf = append(buf, "://"...)
	buf = append(buf, r.Host...)
	buf = append(buf, escapedPath...)
	buf = append(buf, '?')
	var suffix string
	if len(query) == 0 { // the common case, without building maps
		if rawID != "" {
			buf = append(buf, "id="...)
			buf = append(buf, url.QueryEscape(id)...)
			buf = append(buf, '&')
		}
		buf = append(buf, "page="...)
		suffix = v[0] // "&per_page=" before it: see appendLink
	} else {
		q := queryWithout(query, "private_token", "access_token", "page")
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
		if len(before) > 0 {
			buf = append(buf, before.Encode()...)
			buf = append(buf, '&')
		}
		buf = append(buf, "page="...)
		if len(after) > 0 {
			suffix = "&" + after.Encode()
		}
	}
	perPage := len(query) == 0
	prefix := len(buf)
	if prev != "" {
		buf = appendLink(buf, prefix, p.Number-1, perPage, suffix, "prev")
	}
	if next != "" {
		buf = appendLink(buf, prefix, p.Number+1, perPage, suffix, "next")
	}
	buf = appendLink(buf, prefix, 1, perPage, suffix, "first")
	buf = appendLink(buf, prefix, pages, perPage, suffix, "last")
	v[6] = string(buf[prefix:])
	h["Link"] = v[6:7:7]
}

// appendLink appends one link of the Link header after the ones already in buf[prefix:]:
// buf[:prefix] + page + ("&per_page=" when perPage) + suffix, and its rel.
func appendLink(buf []byte, prefix, page int, perPage bool, suffix, rel string) []byte {
	if len(buf) > prefix {
		buf = append(buf, ", "...)
	}
	buf = append(buf, '<')
	buf = append(buf, buf[:prefix]...)
	buf = strconv.AppendInt(buf, int64(page), 10)
	if perPage {
		buf = append(buf, "&per_page="...)
	}
	buf = append(buf, suffix...)
	buf = append(buf, `>; rel="`...)
	buf = append(buf, rel...)
	return append(buf, '"')
}

// RequestScheme is the scheme the client used: X-Forwarded-Proto behind a proxy, else the
// connection's.
func RequestScheme(r *http.Request) string {
	if proto := r.Header["X-Forwarded-Proto"]; len(proto) > 0 && (proto[0] == "https" || proto[0] == "http") {
		return proto[0]
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
