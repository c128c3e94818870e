package contract

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

const defaultMaxPages = 200

// pageWalk is one walk through a paginated list: what the pages said so far.
type pageWalk struct {
	r         *runner
	pg        *Paginate
	maxPages  int
	exchanges []*exchange
	findings  []Finding
	items     []any
	total     int // X-Total of the pages so far, -1 before any
	pages     int // X-Total-Pages of the last page, -1 before any
}

// walkPages requests page after page with a small per_page until X-Next-Page is empty, checks
// every page like any response, and checks that the pagination headers, the Link header and the
// items agree: page numbers, totals, no duplicates, and the documented order.
func (r *runner) walkPages(ctx context.Context, sc *Scenario, st *Step, name string, exp expectation, secrets []secretCheck) ([]*exchange, []Finding, any) {
	w := &pageWalk{r: r, pg: st.Paginate, maxPages: st.Paginate.MaxPages, items: []any{}, total: -1, pages: -1}
	if w.maxPages <= 0 {
		w.maxPages = defaultMaxPages
	}
	pageExp := exp
	pageExp.Body = nil // a page is judged by the spec; Expect.Body applies to the whole list
	for page := 1; page <= w.maxPages; {
		ex := r.send(ctx, sc, st, name, r.apiPath(st.Request, map[string]string{"page": strconv.Itoa(page), "per_page": strconv.Itoa(w.pg.PerPage)}))
		w.exchanges = append(w.exchanges, ex)
		if ex.Err != nil && r.fatal(ex) {
			return w.exchanges, w.findings, nil
		}
		w.findings = append(w.findings, r.chk.check(ex, pageExp, secrets)...)
		if page == 1 && (r.matchCondition(st.SkipIf, ex) != nil || r.matchCondition(st.AbortIf, ex) != nil) {
			return w.exchanges, nil, nil
		}
		list, ok := ex.decoded.([]any)
		if ex.Err != nil || ex.Status != 200 || !ok {
			break
		}
		w.checkPageHeaders(ex, page, list)
		w.items = append(w.items, list...)
		next, more := w.next(ex, page, list)
		if !more {
			break
		}
		page = next
	}
	if len(w.exchanges) == 0 {
		return w.exchanges, w.findings, nil
	}
	last := w.exchanges[len(w.exchanges)-1]
	if last.Err != nil || last.Status != 200 {
		return w.exchanges, w.findings, w.items
	}
	w.checkWhole(last, st, exp)
	return w.exchanges, w.findings, w.items
}

func (w *pageWalk) add(f ...Finding) { w.findings = append(w.findings, f...) }

// pageFinding adds a pagination finding about one header of ex.
func (w *pageWalk) pageFinding(ex *exchange, header, expected, actual, msg string) {
	w.add(w.r.pageFinding(ex, header, expected, actual, msg))
}

// checkPageHeaders decides whether X-Page, X-Per-Page, the item count, a stable X-Total and
// X-Total-Pages agree with the page requested.
func (w *pageWalk) checkPageHeaders(ex *exchange, page int, list []any) {
	h, perPage := ex.Header, w.pg.PerPage
	if v := h.Get("X-Page"); v != "" && v != strconv.Itoa(page) {
		w.pageFinding(ex, "X-Page", strconv.Itoa(page), v, "X-Page is not the page requested")
	}
	if v := h.Get("X-Per-Page"); v != "" && v != strconv.Itoa(perPage) {
		w.pageFinding(ex, "X-Per-Page", strconv.Itoa(perPage), v, "X-Per-Page is not the per_page requested")
	}
	if len(list) > perPage {
		w.pageFinding(ex, "X-Per-Page", fmt.Sprintf("at most %d items", perPage), fmt.Sprintf("%d items", len(list)), "the page has more items than per_page")
	}
	if n, ok := w.count(ex, "X-Total"); ok {
		if w.total >= 0 && n != w.total {
			w.pageFinding(ex, "X-Total", strconv.Itoa(w.total), strconv.Itoa(n), "X-Total changed during the walk")
		}
		w.total = n
	}
	if n, ok := w.count(ex, "X-Total-Pages"); ok {
		w.pages = n
		if w.total >= 0 {
			want := max((w.total+perPage-1)/perPage, 1)
			if n != want {
				w.pageFinding(ex, "X-Total-Pages", strconv.Itoa(want), strconv.Itoa(n), fmt.Sprintf("X-Total-Pages disagrees with X-Total %d and per_page %d", w.total, perPage))
			}
		}
	}
}

// count reads a count header (X-Total, X-Total-Pages); ok is false when it is absent or not a
// count: negative, or a number beyond int64 (a finding: the totals then cannot match the items
// walked; what is not a number at all is the schema's finding).
func (w *pageWalk) count(ex *exchange, header string) (int, bool) {
	v := ex.Header.Get(header)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, strconv.IntSize)
	switch {
	case errors.Is(err, strconv.ErrRange):
		w.pageFinding(ex, header, "a count up to "+strconv.Itoa(math.MaxInt), v, header+" is a number too large to be a count")
		return 0, false
	case err != nil:
		return 0, false
	case n < 0:
		w.pageFinding(ex, header, "a count, 0 or more", v, header+" is negative")
		return 0, false
	}
	return int(n), true
}

// next decides whether and where the walk continues: X-Prev-Page, the Link header, X-Next-Page
// against the page and X-Total-Pages, and the page limit.
func (w *pageWalk) next(ex *exchange, page int, list []any) (int, bool) {
	h, perPage := ex.Header, w.pg.PerPage
	next := h.Get("X-Next-Page")
	wantPrev := ""
	if page > 1 {
		wantPrev = strconv.Itoa(page - 1)
	}
	if v := h.Get("X-Prev-Page"); h.Values("X-Prev-Page") != nil && v != wantPrev {
		w.pageFinding(ex, "X-Prev-Page", strconv.Quote(wantPrev), strconv.Quote(v), "X-Prev-Page is not the previous page")
	}
	w.add(w.r.checkLink(ex, page, next)...)
	if next == "" {
		if w.pages >= 0 && page != w.pages {
			w.pageFinding(ex, "X-Next-Page", strconv.Itoa(page+1), `""`, fmt.Sprintf("the walk ended on page %d but X-Total-Pages is %d", page, w.pages))
		}
		if len(list) == 0 && page > 1 {
			w.pageFinding(ex, "X-Next-Page", `""`, strconv.Itoa(page), "the previous page announced a next page that is empty")
		}
		return 0, false
	}
	n, err := strconv.Atoi(next)
	if err != nil || n != page+1 {
		w.pageFinding(ex, "X-Next-Page", strconv.Itoa(page+1), next, "X-Next-Page is not the following page")
		return 0, false
	}
	if len(list) < perPage {
		w.pageFinding(ex, "X-Next-Page", `""`, next, fmt.Sprintf("a page of %d items (per_page %d) announces a next page", len(list), perPage))
	}
	if n > w.maxPages {
		w.pageFinding(ex, "X-Next-Page", fmt.Sprintf("at most %d pages", w.maxPages), next, "the walk stopped at its page limit")
	}
	return n, true
}

// checkWhole decides about the list as a whole, after the walk: its total, unique ids, the
// documented order and the item the step expects.
func (w *pageWalk) checkWhole(last *exchange, st *Step, exp expectation) {
	w.checkTotal(last)
	w.checkUniqueIDs(last)
	if w.pg.OrderedBy != "" {
		w.add(w.r.checkOrder(last, w.items, w.pg.OrderedBy)...)
	}
	if st.Expect.Contains != nil {
		w.checkContains(last, st.Expect.Contains, exp)
	}
}

func (w *pageWalk) checkTotal(last *exchange) {
	if w.total >= 0 && w.total != len(w.items) {
		w.pageFinding(last, "X-Total", strconv.Itoa(len(w.items)), strconv.Itoa(w.total),
			fmt.Sprintf("X-Total is %d but the walk saw %d items", w.total, len(w.items)))
	}
}

func (w *pageWalk) checkUniqueIDs(last *exchange) {
	seen := map[string]int{}
	for i, it := range w.items {
		if m, ok := it.(map[string]any); ok && m["id"] != nil {
			id := text(m["id"])
			if j, dup := seen[id]; dup {
				w.add(w.r.listFinding(last, RulePagination, fmt.Sprintf("$[%d].id", i), "unique ids across pages", id,
					fmt.Sprintf("id %s appears twice across pages (items %d and %d)", id, j, i)))
			}
			seen[id] = i
		}
	}
}

func (w *pageWalk) checkContains(last *exchange, contains any, exp expectation) {
	pinned := map[string]bool{}
	want := w.r.vars.Value(contains, "$", pinned)
	for _, it := range w.items {
		if len(compareValue(want, it, exp.Volatile, pinned)) == 0 {
			return
		}
	}
	w.add(w.r.listFinding(last, RuleValue, "$[*]", "an item matching "+compactJSON(want),
		fmt.Sprintf("%d items, none matching", len(w.items)), "no item of the list matches "+compactJSON(want)))
}

func (r *runner) checkOrder(ex *exchange, items []any, key string) []Finding {
	prev, prevIdx := 0.0, -1
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		v, ok := m[key].(float64)
		if !ok {
			continue
		}
		if prevIdx >= 0 && v <= prev {
			f := r.listFinding(ex, RuleOrder, fmt.Sprintf("$[%d].%s", i, key), fmt.Sprintf("%s ascending (greater than %s)", key, text(prev)), text(v),
				fmt.Sprintf("the list is not ordered by %s ascending: %s %s comes after %s", key, key, text(v), text(prev)))
			if ex.Op != nil {
				f.SpecLocation = r.spec.location(ex.Op.pointer() + "/description")
			}
			return []Finding{f}
		}
		prev, prevIdx = v, i
	}
	return nil
}

var linkPart = regexp.MustCompile(`<([^>]*)>\s*;\s*rel="?([a-z]+)"?`)

// checkLink checks the Link header of a page: absolute URLs, rel next only when there is a next
// page, prev only after page 1, first and last always, and the page numbers they point to.
func (r *runner) checkLink(ex *exchange, page int, next string) []Finding {
	raw := ex.Header.Get("Link")
	if raw == "" {
		return nil // a missing Link is the spec check's finding
	}
	rels := map[string]string{}
	for _, part := range strings.Split(raw, ",") {
		m := linkPart.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			return []Finding{r.pageFinding(ex, "Link", `<url>; rel="..."`, strings.TrimSpace(part), "a Link part without <url>; rel=")}
		}
		rels[m[2]] = m[1]
	}
	var out []Finding
	for rel, u := range rels {
		parsed, err := url.Parse(u)
		if err != nil || !parsed.IsAbs() {
			out = append(out, r.pageFinding(ex, "Link", "an absolute URL", u, fmt.Sprintf("rel=%q is not an absolute URL", rel)))
		}
	}
	want := map[string]string{"first": "1"}
	if next != "" {
		want["next"] = next
	}
	if page > 1 {
		want["prev"] = strconv.Itoa(page - 1)
	}
	if lp := ex.Header.Get("X-Total-Pages"); lp != "" {
		want["last"] = lp
	} else {
		want["last"] = ""
	}
	for _, rel := range []string{"prev", "next", "first", "last"} {
		u, has := rels[rel]
		w, wanted := want[rel]
		switch {
		case wanted && !has:
			out = append(out, r.pageFinding(ex, "Link", fmt.Sprintf(`rel="%s"`, rel), raw, fmt.Sprintf(`Link has no rel="%s"`, rel)))
		case !wanted && has:
			out = append(out, r.pageFinding(ex, "Link", fmt.Sprintf(`no rel="%s"`, rel), raw, fmt.Sprintf(`Link has rel="%s" on page %d`, rel, page)))
		case has && w != "":
			if parsed, err := url.Parse(u); err == nil && parsed.Query().Get("page") != w {
				out = append(out, r.pageFinding(ex, "Link", "page="+w, u, fmt.Sprintf(`rel="%s" points to page %q`, rel, parsed.Query().Get("page"))))
			}
		}
	}
	return out
}

func (r *runner) pageFinding(ex *exchange, header, expected, actual, msg string) Finding {
	f := r.listFinding(ex, RulePagination, "header "+header, expected, actual, msg)
	if ex.Op != nil {
		f.SpecLocation = r.spec.location(ex.Op.pointer() + "/responses/200/headers/" + header)
	}
	return f
}

func (r *runner) listFinding(ex *exchange, rule Rule, field, expected, actual, msg string) Finding {
	f := Finding{Severity: SeverityError, Rule: rule, Scenario: ex.Scenario, Step: ex.Step, Request: r.redact.String(ex.requestLine()),
		Field: field, Expected: r.redact.String(expected), Actual: truncate(r.redact.String(actual), 300), Message: r.redact.String(msg), Curl: r.chk.repro.curl(ex)}
	if ex.Op != nil {
		f.Operation = ex.Op.ID
	}
	return f
}
