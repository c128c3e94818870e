package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/strict"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// jsonContentType is the only Content-Type GitLab sends on JSON bodies. python-gitlab fails to
// parse "application/json; charset=utf-8", so a parameter is a finding too.
const jsonContentType = "application/json"

// exchange is one request and its response.
type exchange struct {
	Scenario, Step string
	Method         string
	APIPath        string // escaped path and query, relative to /api/v4
	auth           string // the request's Auth (the target sets the header from it)
	URL            string // as sent
	ReqHeader      http.Header
	ReqBody        []byte
	Status         int
	Header         http.Header
	Body           []byte
	Duration       time.Duration
	Attempts       int
	Err            error
	Op             *operation

	decoded   any
	decodeErr error
	isJSON    bool
}

func (ex *exchange) decode() {
	if len(bytes.TrimSpace(ex.Body)) == 0 {
		return
	}
	ex.decodeErr = json.Unmarshal(ex.Body, &ex.decoded)
	ex.isJSON = ex.decodeErr == nil
}

// requestLine is "GET /api/v4/projects/1/clusters?page=2".
func (ex *exchange) requestLine() string { return ex.Method + " /api/v4" + ex.APIPath }

// secretCheck is a secret the run sent, and where the spec lets it come back.
type secretCheck struct {
	Name      string // variable name, e.g. secret_token
	Label     string // "cluster token"
	Value     string
	AllowedAt map[string]bool // generic JSON paths ($[*].platform_kubernetes.ca_cert)
}

// checker judges exchanges. One is shared by a run; it holds nothing per request.
type checker struct {
	spec     *apiSpec
	strict   bool
	strictOp *config.ValidationOptions
	redact   *Redactor
	repro    repro // the curl line of a finding
}

func newChecker(spec *apiSpec, strictMode bool, r *Redactor, rp repro) *checker {
	return &checker{
		spec:   spec,
		strict: strictMode,
		strictOp: config.NewValidationOptions(config.WithFormatAssertions(), config.WithStrictMode(),
			config.WithStrictIgnoredHeadersExtra(infrastructureHeaders...)),
		redact: r,
		repro:  rp,
	}
}

// expectation is a step's Expect with variables substituted.
type expectation struct {
	Status   int
	Body     any
	Empty    bool
	Pinned   map[string]bool
	Volatile map[string]bool
}

// check runs every check on one exchange.
func (c *checker) check(ex *exchange, exp expectation, secrets []secretCheck) []Finding {
	if ex.Err != nil {
		return []Finding{c.complete(ex, Finding{Rule: RuleTransport, Message: "no response: " + ex.Err.Error()})}
	}
	ex.decode()
	found := c.checkStatus(ex, exp)
	if op := ex.Op; op != nil {
		content, ctFlagged := c.checkContent(ex, op)
		found = slices.Concat(found, content,
			c.validate(ex, ctFlagged),    // the spec, through libopenapi-validator
			c.checkExpected(ex, exp, op), // expected values
			c.secretEcho(ex, secrets),    // secrets sent by the run must not come back
			c.undeclared(ex))             // fields and headers the spec does not declare: notes, or errors with --strict
	}
	var out []Finding
	for _, f := range found {
		out = append(out, c.complete(ex, f))
	}
	hintRenames(out)
	return out
}

// complete fills in what every finding about ex carries (where, severity, the curl to reproduce
// it) and redacts and truncates what it shows.
func (c *checker) complete(ex *exchange, f Finding) Finding {
	f.Scenario, f.Step = ex.Scenario, ex.Step
	f.Request = c.redact.String(ex.requestLine())
	if ex.Op != nil {
		f.Operation = ex.Op.ID
	}
	if f.Severity == "" {
		f.Severity = SeverityError
	}
	f.Expected = truncate(c.redact.String(f.Expected), 300)
	f.Actual = truncate(c.redact.String(f.Actual), 300)
	if k := f.Field[strings.LastIndexAny(f.Field, ".]")+1:]; secretKeys[k] && f.Actual != "null" && f.Actual != "" {
		f.Actual = redacted // a credential under its own name, whoever's it is: never shown, not even in part
	}
	f.Message = c.redact.String(f.Message)
	f.Curl = c.repro.curl(ex)
	return f
}

// checkStatus decides about the status: the one the scenario expects, and the ones the spec
// documents (no operation at all is a finding too).
func (c *checker) checkStatus(ex *exchange, exp expectation) []Finding {
	var out []Finding
	op := ex.Op
	if exp.Status != 0 && ex.Status != exp.Status {
		f := Finding{Rule: RuleValue, Field: "status", Expected: strconv.Itoa(exp.Status), Actual: strconv.Itoa(ex.Status),
			Message: fmt.Sprintf("status %d, expected %d", ex.Status, exp.Status)}
		if msg := errorMessage(ex.decoded); msg != "" {
			f.Message += " (" + msg + ")"
		}
		if op != nil {
			f.SpecLocation = c.spec.location(op.pointer() + "/responses/" + strconv.Itoa(exp.Status))
		}
		out = append(out, f)
	}
	if op == nil {
		return append(out, Finding{Rule: RuleStatus, Message: "the spec has no operation for this request"})
	}
	if !op.documentsStatus(ex.Status) {
		out = append(out, Finding{Rule: RuleStatus, Field: "status", Actual: strconv.Itoa(ex.Status),
			Expected: "one of " + strings.Join(op.documentedStatuses(), ", "),
			Message:  fmt.Sprintf("undocumented status %d for %s", ex.Status, op.ID), SpecLocation: c.spec.location(op.pointer() + "/responses")})
	}
	return out
}

// checkContent decides about Content-Type and empty bodies. flagged says a finding about the
// body's media type was made, so the spec check does not make another.
func (c *checker) checkContent(ex *exchange, op *operation) (out []Finding, flagged bool) {
	ct := ex.Header.Get("Content-Type")
	switch {
	case ex.Status == http.StatusNoContent || ex.Method == http.MethodHead:
		if len(ex.Body) > 0 {
			out = append(out, Finding{Rule: RuleContentType, Field: "body", Expected: "empty", Actual: fmt.Sprintf("%d bytes", len(ex.Body)),
				Message: fmt.Sprintf("a %d response must have an empty body", ex.Status)})
		}
	case len(ex.Body) > 0 || c.declaresContent(op, ex.Status):
		if ct != jsonContentType {
			msg := "Content-Type is not exactly application/json"
			if strings.HasPrefix(ct, jsonContentType) {
				msg += " (GitLab sends no parameters; python-gitlab fails on a charset)"
			}
			_, code := c.response(op, ex.Status)
			return append(out, Finding{Rule: RuleContentType, Field: "header Content-Type", Expected: jsonContentType, Actual: fmt.Sprintf("%q", ct), Message: msg,
				SpecLocation: c.spec.location(op.pointer() + "/responses/" + code + "/content")}), true
		}
		if !ex.isJSON {
			reason := "empty body"
			if ex.decodeErr != nil {
				reason = ex.decodeErr.Error()
			}
			return append(out, Finding{Rule: RuleContentType, Field: "body", Expected: "JSON", Actual: truncate(string(ex.Body), 80),
				Message: "the body is not JSON: " + reason}), true
		}
	}
	return out, false
}

// checkExpected decides whether the body is what the step expects: empty, or matching its
// expected body (a response of another status is not compared with this one's body).
func (c *checker) checkExpected(ex *exchange, exp expectation, op *operation) []Finding {
	var out []Finding
	if exp.Empty && len(ex.Body) > 0 {
		out = append(out, Finding{Rule: RuleValue, Field: "body", Expected: "empty", Actual: fmt.Sprintf("%d bytes", len(ex.Body)), Message: "expected an empty body"})
	}
	if exp.Body == nil || (exp.Status != 0 && ex.Status != exp.Status) {
		return out
	}
	if !ex.isJSON {
		return append(out, Finding{Rule: RuleValue, Field: "$", Expected: compactJSON(exp.Body), Actual: truncate(string(ex.Body), 80), Message: "expected a JSON body"})
	}
	for _, m := range compareValue(exp.Body, ex.decoded, exp.Volatile, exp.Pinned) {
		out = append(out, Finding{Rule: RuleValue, Field: m.Path, Expected: m.Expected, Actual: m.Actual,
			Message: fmt.Sprintf("%s is %s, expected %s", m.Path, m.Actual, m.Expected), SpecLocation: c.fieldLocation(op, ex.Status, m.Path)})
	}
	return out
}

// hintRenames adds "renamed to x?" to a missing required field when the same object has a
// field the spec does not declare: the usual shape of a rename.
func hintRenames(fs []Finding) {
	extra := map[string][]string{} // parent path -> undeclared field names
	for _, f := range fs {
		if f.Rule == RuleUndeclaredField {
			parent, name := splitLast(f.Field)
			extra[parent] = append(extra[parent], name)
		}
	}
	for i, f := range fs {
		if f.Rule != RuleSchema || f.Actual != "absent" {
			continue
		}
		parent, _ := splitLast(f.Field)
		if names := extra[parent]; len(names) == 1 {
			fs[i].Message += fmt.Sprintf(" (renamed to %s?)", names[0])
		}
	}
}

// splitLast splits "$.a.b" into "$.a" and "b" (and "$['x.y']" into "$" and "x.y").
func splitLast(p string) (string, string) {
	if strings.HasSuffix(p, "']") {
		if i := strings.LastIndex(p, "['"); i >= 0 {
			return p[:i], p[i+2 : len(p)-2]
		}
	}
	if i := strings.LastIndex(p, "."); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "$", p
}

// compareValue compares with matchers, also when the whole expected body is one matcher.
func compareValue(expected, actual any, volatile, pinned map[string]bool) []mismatch {
	if m, ok := matcher(expected); ok {
		if matchValue(m, actual) {
			return nil
		}
		return []mismatch{{Path: "$", Expected: describeMatcher(m), Actual: compactJSON(actual)}}
	}
	return compareJSON(expected, actual, volatile, pinned)
}

// errorMessage extracts GitLab's message or error from an error body.
func errorMessage(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	for _, k := range []string{"message", "error"} {
		if x, ok := m[k]; ok {
			return k + ": " + truncate(compactJSON(x), 120)
		}
	}
	return ""
}

func (c *checker) response(op *operation, status int) (*v3.Response, string) {
	if op.op.Responses == nil {
		return nil, ""
	}
	code := strconv.Itoa(status)
	if r := op.op.Responses.Codes.GetOrZero(code); r != nil {
		return r, code
	}
	code = fmt.Sprintf("%dXX", status/100)
	if r := op.op.Responses.Codes.GetOrZero(code); r != nil {
		return r, code
	}
	if op.op.Responses.Default != nil {
		return op.op.Responses.Default, "default"
	}
	return nil, ""
}

func (c *checker) declaresContent(op *operation, status int) bool {
	r, _ := c.response(op, status)
	return r != nil && r.Content != nil && r.Content.Len() > 0
}

// schemaPointer is the pointer of the JSON schema of a response.
func (c *checker) schemaPointer(op *operation, status int) string {
	_, code := c.response(op, status)
	if code == "" {
		return op.pointer() + "/responses"
	}
	return op.pointer() + "/responses/" + code + "/content/" + escapePointer(jsonContentType) + "/schema"
}

// fieldLocation finds the schema of a JSON path of a response in the spec.
func (c *checker) fieldLocation(op *operation, status int, jsonPath string) string {
	ptr := c.schemaPointer(op, status)
	toks, err := parseJSONPath(jsonPath)
	if err != nil {
		return c.spec.location(ptr)
	}
	for _, t := range toks {
		if t.isKey {
			ptr = c.spec.propertyPointer(ptr, t.key)
		} else {
			ptr += "/items"
		}
	}
	return c.spec.location(ptr)
}

var (
	missingProps   = regexp.MustCompile(`missing propert(?:y|ies) (.+)$`)
	quoted         = regexp.MustCompile(`'([^']*)'`)
	gotWant        = regexp.MustCompile(`got ([a-z]+), want (.+)$`)
	notValidFormat = regexp.MustCompile(`is not valid '?([A-Za-z0-9-]+)'?`)
)

// validate turns libopenapi-validator's errors into findings.
func (c *checker) validate(ex *exchange, ctFlagged bool) []Finding {
	req, resp := c.httpPair(ex)
	var out []Finding
	for _, e := range c.spec.validateRaw(req, resp) {
		switch {
		case e.ValidationSubType == helpers.ResponseBodyResponseCode:
			// reported above as an undocumented status
		case ctFlagged && (strings.Contains(e.Message, "content type") || strings.Contains(e.Reason, "cannot be decoded") ||
			strings.Contains(e.Message, "media type")):
			// reported above as a Content-Type finding
		case e.ValidationSubType == helpers.ParameterValidationHeader || e.ValidationSubType == helpers.Header || strings.Contains(strings.ToLower(e.Message), "header"):
			out = append(out, c.headerFinding(ex, e)...)
		case len(e.SchemaValidationErrors) > 0:
			for _, se := range e.SchemaValidationErrors {
				out = append(out, c.schemaFindings(ex, se)...)
			}
		default:
			msg := e.Message
			if e.Reason != "" {
				msg += ": " + e.Reason
			}
			out = append(out, Finding{Rule: RuleSchema, Message: msg, SpecLocation: c.spec.location(c.schemaPointer(ex.Op, ex.Status))})
		}
	}
	return out
}

func (c *checker) headerFinding(ex *exchange, e *liberrors.ValidationError) []Finding {
	name := e.ParameterName
	if name == "" && len(e.SchemaValidationErrors) > 0 {
		name = e.SchemaValidationErrors[0].FieldName
	}
	if name == "" {
		if m := quoted.FindStringSubmatch(e.Reason); m != nil {
			name = m[1]
		}
	}
	_, code := c.response(ex.Op, ex.Status)
	loc := c.spec.location(ex.Op.pointer() + "/responses/" + code + "/headers/" + escapePointer(canonicalHeader(ex.Op, code, name)))
	name = canonicalHeader(ex.Op, code, name)
	f := Finding{Rule: RuleHeader, Field: "header " + name, SpecLocation: loc}
	if v := ex.Header.Values(name); len(v) == 0 {
		f.Expected, f.Actual = "present", "absent"
		f.Message = fmt.Sprintf("documented header %s is missing", name)
	} else {
		f.Actual = strings.Join(v, ", ")
		f.Message = fmt.Sprintf("header %s is invalid: %s", name, e.Reason)
		if len(e.SchemaValidationErrors) > 0 {
			f.Message = fmt.Sprintf("header %s is invalid: %s", name, e.SchemaValidationErrors[0].Reason)
		}
	}
	return []Finding{f}
}

// canonicalHeader returns the header's name as the spec spells it.
func canonicalHeader(op *operation, code, name string) string {
	if r := op.op.Responses.Codes.GetOrZero(code); r != nil && r.Headers != nil {
		for k := range r.Headers.KeysFromOldest() {
			if strings.EqualFold(k, name) {
				return k
			}
		}
	}
	return name
}

func (c *checker) schemaFindings(ex *exchange, se *liberrors.SchemaValidationFailure) []Finding {
	base := c.schemaPointer(ex.Op, ex.Status)
	field := se.FieldPath
	if field == "" {
		field = "$"
	}
	keyword := se.KeywordLocation
	loc := c.spec.location(base + keyword)
	if m := missingProps.FindStringSubmatch(se.Reason); m != nil {
		var out []Finding
		for _, q := range quoted.FindAllStringSubmatch(m[1], -1) {
			name := q[1]
			out = append(out, Finding{Rule: RuleSchema, Field: jsonPathKey(field, name), Expected: "present (required)", Actual: "absent",
				Message: fmt.Sprintf("required field %s is missing", name), SpecLocation: loc})
		}
		if len(out) > 0 {
			return out
		}
	}
	actual, found := lookupJSONPath(ex.decoded, field)
	f := Finding{Rule: RuleSchema, Field: field, Message: fmt.Sprintf("%s: %s", field, se.Reason), SpecLocation: loc}
	if found {
		f.Actual = compactJSON(actual)
	}
	kw := keyword[strings.LastIndex(keyword, "/")+1:]
	switch {
	case gotWant.MatchString(se.Reason):
		m := gotWant.FindStringSubmatch(se.Reason)
		f.Expected = m[2]
		if m[1] == "null" {
			f.Message = fmt.Sprintf("%s is null, but the spec does not allow null (want %s)", field, m[2])
		} else {
			f.Message = fmt.Sprintf("%s has type %s, the spec wants %s", field, m[1], m[2])
		}
	case kw == "enum":
		f.Expected = strings.TrimPrefix(se.Reason, "value must be ")
		f.Message = fmt.Sprintf("%s is not in the enum: %s", field, se.Reason)
	case kw == "format":
		format := "value"
		if m := notValidFormat.FindStringSubmatch(se.Reason); m != nil {
			format = m[1]
		}
		f.Expected = format
		f.Message = fmt.Sprintf("%s is not a valid %s (%s)", field, format, se.Reason)
	default:
		f.Expected = kw
	}
	return []Finding{f}
}

// httpPair rebuilds the request and response for libopenapi-validator. The request's path is
// the template with the actual segments (or a placeholder for an escaped slash), so that its
// router finds the operation whatever the project path looks like.
func (c *checker) httpPair(ex *exchange) (*http.Request, *http.Response) {
	segs := strings.Split(strings.Trim(strings.SplitN(ex.APIPath, "?", 2)[0], "/"), "/")
	for i, t := range ex.Op.segments {
		if !strings.HasPrefix(t, "{") && i < len(segs) {
			segs[i] = t
		} else if i < len(segs) && strings.Contains(segs[i], "%") {
			segs[i] = "1"
		}
	}
	req, _ := http.NewRequest(ex.Method, "http://gitlab.invalid/api/v4/"+strings.Join(segs, "/"), nil)
	resp := &http.Response{
		StatusCode: ex.Status,
		Header:     ex.Header.Clone(),
		Body:       io.NopCloser(bytes.NewReader(ex.Body)),
		Request:    req,
	}
	if len(ex.Body) == 0 {
		resp.Body = http.NoBody
	}
	return req, resp
}

// secretEcho finds the secrets the run sent in a response.
func (c *checker) secretEcho(ex *exchange, secrets []secretCheck) []Finding {
	var out []Finding
	for _, s := range secrets {
		if len(s.Value) < 4 {
			continue
		}
		for name, vs := range ex.Header {
			for _, v := range vs {
				if strings.Contains(v, s.Value) {
					out = append(out, Finding{Rule: RuleSecret, Field: "header " + name, Expected: "never returned", Actual: redacted,
						Message: fmt.Sprintf("the %s sent by this run came back in header %s", s.Label, name)})
				}
			}
		}
		if !ex.isJSON {
			if bytes.Contains(ex.Body, []byte(s.Value)) {
				out = append(out, Finding{Rule: RuleSecret, Field: "body", Expected: "never returned", Actual: redacted,
					Message: fmt.Sprintf("the %s sent by this run came back in the body", s.Label)})
			}
			continue
		}
		needle := strings.TrimSpace(s.Value)
		walkStrings(ex.decoded, "$", func(path, v string) {
			if !strings.Contains(v, needle) && !(strings.TrimSpace(v) == needle) {
				return
			}
			if s.AllowedAt[genericPath(path)] {
				return
			}
			out = append(out, Finding{Rule: RuleSecret, Field: path, Expected: "never returned", Actual: redacted,
				Message: fmt.Sprintf("the %s sent by this run came back at %s", s.Label, path)})
		})
	}
	return out
}

func walkStrings(v any, path string, fn func(path, s string)) {
	switch t := v.(type) {
	case string:
		fn(path, t)
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkStrings(t[k], jsonPathKey(path, k), fn)
		}
	case []any:
		for i, x := range t {
			walkStrings(x, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

// undeclared runs pb33f's strict pass on its own, so that undeclared fields are found whether or
// not the body has other errors, and can be notes without --strict.
func (c *checker) undeclared(ex *exchange) []Finding {
	sev := SeverityNote
	if c.strict {
		sev = SeverityError
	}
	r, _ := c.response(ex.Op, ex.Status)
	if r == nil {
		return nil
	}
	var out []Finding
	if ex.isJSON && r.Content != nil {
		if mt := r.Content.GetOrZero(jsonContentType); mt != nil && mt.Schema != nil {
			res := strict.NewValidator(c.strictOp, c.spec.version).Validate(strict.Input{
				Schema: mt.Schema.Schema(), Data: ex.decoded, Direction: strict.DirectionResponse,
				Options: c.strictOp, BasePath: "$", Version: c.spec.version,
			})
			for _, u := range res.UndeclaredValues {
				if declaredByAdditionalProperties(mt.Schema.Schema(), u.Path) || declaredThroughNestedAllOf(mt.Schema.Schema(), u.Path) {
					continue
				}
				out = append(out, Finding{Severity: sev, Rule: RuleUndeclaredField, Field: u.Path, Actual: compactJSON(u.Value),
					Message:      fmt.Sprintf("field %s is not declared in the spec", u.Path),
					SpecLocation: c.spec.location(c.schemaPointer(ex.Op, ex.Status))})
			}
		}
	}
	declared := map[string]*v3.Header{}
	if r.Headers != nil {
		for k, h := range r.Headers.FromOldest() {
			declared[k] = h
		}
	}
	for _, u := range strict.ValidateResponseHeaders(ex.Header, &declared, c.strictOp) {
		out = append(out, Finding{Severity: sev, Rule: RuleUndeclaredHeader, Field: "header " + u.Name, Actual: fmt.Sprint(u.Value),
			Message:      fmt.Sprintf("header %s is not declared in the spec", u.Name),
			SpecLocation: c.spec.location(ex.Op.pointer() + "/responses")})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
