package contract

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

const defaultMaxPages = 200

// walkPages requests page after page with a small per_page until X-Next-Page is empty, checks
// every page like any response, and checks that the pagination headers, the Link header and the
// items agree: page numbers, totals, no duplicates, and the documented order.
func (r *runner) walkPages(ctx context.Context, sc *Scenario, st *Step, name string, exp expectation, secrets []secretCheck) ([]*exchange, []Finding, any) {
	pg := st.Paginate
	maxPages := pg.MaxPages
	if maxPages <= 0 {
		maxPages = defaultMaxPages
	}
	var (
		exchanges []*exchange
		findings  []Finding
		items     = []any{}
		total     = -1
		pages     = -1
	)
	pageExp := exp
	pageExp.Body = nil // a page is judged by the spec; Expect.Body applies to the whole list
	for page := 1; page <= maxPages; {
		ex := r.send(ctx, sc, st, name, r.apiPath(st.Request, map[string]string{"page": strconv.Itoa(page), "per_page": strconv.Itoa(pg.PerPage)}))
		exchanges = append(exchanges, ex)
		if ex.Err != nil && r.fatal(ex) {
			return exchanges, findings, nil
		}
		findings = append(findings, r.chk.check(ex, pageExp, secrets)...)
		if page == 1 && (r.matchCondition(st.SkipIf, ex) != nil || r.matchCondition(st.AbortIf, ex) != nil) {
			return exchanges, nil, nil
		}
		list, ok := ex.decoded.([]any)
		if ex.Err != nil || ex.Status != 200 || !ok {
			break
		}
		pf := func(field, expected, actual, msg string) {
			findings = append(findings, r.pageFinding(ex, field, expected, actual, msg))
		}
		h := ex.Header
		if v := h.Get("X-Page"); v != "" && v != strconv.Itoa(page) {
			pf("X-Page", strconv.Itoa(page), v, "X-Page is not the page requested")
		}
		if v := h.Get("X-Per-Page"); v != "" && v != strconv.Itoa(pg.PerPage) {
			pf("X-Per-Page", strconv.Itoa(pg.PerPage), v, "X-Per-Page is not the per_page requested")
		}
		if len(list) > pg.PerPage {
			pf("X-Per-Page", fmt.Sprintf("at most %d items", pg.PerPage), fmt.Sprintf("%d items", len(list)), "the page has more items than per_page")
		}
		if n, err := strconv.Atoi(h.Get("X-Total")); err == nil {
			if total >= 0 && n != total {
				pf("X-Total", strconv.Itoa(total), strconv.Itoa(n), "X-Total changed during the walk")
			}
			total = n
		}
		if n, err := strconv.Atoi(h.Get("X-Total-Pages")); err == nil {
			pages = n
			if total >= 0 {
				want := (total + pg.PerPage - 1) / pg.PerPage
				if want < 1 {
					want = 1
				}
				if n != want {
					pf("X-Total-Pages", strconv.Itoa(want), strconv.Itoa(n), fmt.Sprintf("X-Total-Pages disagrees with X-Total %d and per_page %d", total, pg.PerPage))
				}
			}
		}
		items = append(items, list...)
		next := h.Get("X-Next-Page")
		wantPrev := ""
		if page > 1 {
			wantPrev = strconv.Itoa(page - 1)
		}
		if v := h.Get("X-Prev-Page"); h.Values("X-Prev-Page") != nil && v != wantPrev {
			pf("X-Prev-Page", strconv.Quote(wantPrev), strconv.Quote(v), "X-Prev-Page is not the previous page")
		}
		findings = append(findings, r.checkLink(ex, page, next)...)
		if next == "" {
			if pages >= 0 && page != pages {
				pf("X-Next-Page", strconv.Itoa(page+1), `""`, fmt.Sprintf("the walk ended on page %d but X-Total-Pages is %d", page, pages))
			}
			if len(list) == 0 && page > 1 {
				pf("X-Next-Page", `""`, strconv.Itoa(page), "the previous page announced a next page that is empty")
			}
			break
		}
		n, err := strconv.Atoi(next)
		if err != nil || n != page+1 {
			pf("X-Next-Page", strconv.Itoa(page+1), next, "X-Next-Page is not the following page")
			break
		}
		if len(list) < pg.PerPage {
			pf("X-Next-Page", `""`, next, fmt.Sprintf("a page of %d items (per_page %d) announces a next page", len(list), pg.PerPage))
		}
		page = n
		if page > maxPages {
			pf("X-Next-Page", fmt.Sprintf("at most %d pages", maxPages), next, "the walk stopped at its page limit")
		}
	}
	if len(exchanges) == 0 {
		return exchanges, findings, nil
	}
	last := exchanges[len(exchanges)-1]
	if last.Err != nil || last.Status != 200 {
		return exchanges, findings, items
	}
	if total >= 0 && total != len(items) {
		findings = append(findings, r.pageFinding(last, "X-Total", strconv.Itoa(len(items)), strconv.Itoa(total),
			fmt.Sprintf("X-Total is %d but the walk saw %d items", total, len(items))))
	}
	seen := map[string]int{}
	for i, it := range items {
		if m, ok := it.(map[string]any); ok && m["id"] != nil {
			id := text(m["id"])
			if j, dup := seen[id]; dup {
				findings = append(findings, r.listFinding(last, RulePagination, fmt.Sprintf("$[%d].id", i), "unique ids across pages", id,
					fmt.Sprintf("id %s appears twice across pages (items %d and %d)", id, j, i)))
			}
			seen[id] = i
		}
	}
	if pg.OrderedBy != "" {
		findings = append(findings, r.checkOrder(last, items, pg.OrderedBy)...)
	}
	if st.Expect.Contains != nil {
		pinned := map[string]bool{}
		want := r.vars.Value(st.Expect.Contains, "$", pinned)
		found := false
		for _, it := range items {
			if len(compareValue(want, it, exp.Volatile, pinned)) == 0 {
				found = true
				break
			}
		}
		if !found {
			findings = append(findings, r.listFinding(last, RuleValue, "$[*]", "an item matching "+compactJSON(want),
				fmt.Sprintf("%d items, none matching", len(items)), "no item of the list matches "+compactJSON(want)))
		}
	}
	return exchanges, findings, items
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
				f.SpecLocation = r.spec.Location(ex.Op.pointer() + "/description")
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
		f.SpecLocation = r.spec.Location(ex.Op.pointer() + "/responses/200/headers/" + header)
	}
	return f
}

func (r *runner) listFinding(ex *exchange, rule, field, expected, actual, msg string) Finding {
	f := Finding{Severity: SeverityError, Rule: rule, Scenario: ex.Scenario, Step: ex.Step, Request: r.redact.String(ex.requestLine()),
		Field: field, Expected: r.redact.String(expected), Actual: truncate(r.redact.String(actual), 300), Message: r.redact.String(msg), Curl: r.curl(ex)}
	if ex.Op != nil {
		f.Operation = ex.Op.ID
	}
	return f
}
