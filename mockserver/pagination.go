package mockserver

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// pagination is GitLab's offset pagination (Kaminari, max 100 a page).
type pagination struct{ page, perPage int }

// parsePage reads page and per_page, already validated against the spec: per_page above 100
// is clamped, a negative per_page is ignored (Kaminari), a page below 1 reads as 1.
func parsePage(q url.Values) pagination {
	p := pagination{page: 1, perPage: 20}
	if len(q) == 0 {
		return p
	}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		p.perPage = min(n, 100)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		p.page = n
	}
	return p
}

// setHeaders writes the X-* headers and Link (lib/gitlab/pagination/offset_header_builder.rb).
func (p pagination) setHeaders(h http.Header, r *http.Request, total int) {
	pages := max((total+p.perPage-1)/p.perPage, 1)
	outOfRange := p.page > pages
	next, prev := "", ""
	if p.page < pages && !outOfRange {
		next = strconv.Itoa(p.page + 1)
	}
	if p.page > 1 && !outOfRange {
		prev = strconv.Itoa(p.page - 1)
	}
	h["X-Per-Page"] = []string{strconv.Itoa(p.perPage)}
	h["X-Page"] = []string{strconv.Itoa(p.page)}
	h["X-Next-Page"] = []string{next}
	h["X-Prev-Page"] = []string{prev}
	h["X-Total"] = []string{strconv.Itoa(total)}
	h["X-Total-Pages"] = []string{strconv.Itoa(pages)}

	// GitLab's links carry every request parameter, the route's id included, sorted (Rails'
	// to_query); the mock leaves out credentials (GitLab would echo a private_token given in the
	// query). The query is encoded once, around the page number.
	rawID := rawSegment(r, 3)
	id, err := url.PathUnescape(rawID)
	if err != nil {
		id = rawID
	}
	var prefix, suffix string
	base := requestScheme(r) + "://" + r.Host + r.URL.EscapedPath() + "?"
	if r.URL.RawQuery == "" { // the common case, without building maps
		prefix = base + "id=" + url.QueryEscape(id) + "&page="
		suffix = "&per_page=" + strconv.Itoa(p.perPage)
	} else {
		q := queryWithout(r.URL.Query(), "private_token", "access_token", "page")
		q.Set("id", id)
		q.Set("per_page", strconv.Itoa(p.perPage))
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
		links = append(links, link(p.page-1, "prev"))
	}
	if next != "" {
		links = append(links, link(p.page+1, "next"))
	}
	links = append(links, link(1, "first"), link(pages, "last"))
	h["Link"] = []string{strings.Join(links, ", ")}
}

func requestScheme(r *http.Request) string {
	if proto := r.Header.Get("X-Forwarded-Proto"); proto == "https" || proto == "http" {
		return proto
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
