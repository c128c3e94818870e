package contract

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/glclusters/clustersapi/fixtures"
)

// Config is what a run needs. The CLI fills it from flags and the environment.
type Config struct {
	URL     string // the GitLab root; a URL ending in /api/v4 is accepted too
	Token   string // a personal access token (api scope; read_api is enough without Write)
	Project string // numeric id or full path (group/project); "" checks no project's clusters
	// Group is a group id or full path whose clusters are checked too ("" for none).
	Group string
	// Instance checks the instance's clusters too (/admin/clusters: an administrator's token).
	Instance bool
	Write    bool // run the write scenarios: create, edit and delete a cluster
	Strict   bool // fields and headers the spec does not declare are errors, not notes

	// Scenarios is where scenario files are read from: ScenarioDir in it. Default: the
	// embedded fixtures/scenarios.
	Scenarios   fs.FS
	ScenarioDir string

	// LearnVolatile repeats every read request once to find fields that change on their own
	// (set by --save-baseline).
	LearnVolatile bool

	Client         *Client   // default: retries with real sleeps
	Progress       io.Writer // a line per step; nil for none
	RunID          string    // default: NewRunID
	CleanupTimeout time.Duration
	Now            func() time.Time
}

// Errors a run can end with instead of a verdict (exit 2).
var (
	ErrUsage       = errors.New("usage error")
	ErrUnreachable = errors.New("target unreachable")
)

// apiRoot returns the GitLab root (without /api/v4 or a trailing slash) of a --url value.
func apiRoot(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: --url %q must be an http(s) URL such as https://gitlab.example.com", ErrUsage, raw)
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/api/v4")
	u.Path, u.RawPath, u.RawQuery, u.Fragment = strings.TrimRight(p, "/"), "", "", ""
	return u.String(), nil
}

// runner holds the state of one run.
type runner struct {
	cfg      Config
	spec     *apiSpec
	chk      *checker
	t        *target   // the GitLab, and the one way a request goes to it
	redact   *Redactor // the target's
	vars     Vars
	values   runValues   // what the saved run's policy needs of the variables
	recorded []*recorded // the exchanges for the saved run, normalised when the run ends
	secrets  []secretCheck
	report   *Report
	run      *SavedRun
	cleanups []*cleanupEntry
	answered bool // some request got a response
	wrote    bool // some write request was sent
	// wroteTo holds the kinds of clusters ("project", "group", "instance"; "" for a scenario
	// that does not say) some write request was sent for: where to look for leftovers.
	wroteTo map[string]bool
	stop    error // set when the run must stop: errSkip, abort, cancel
}

type cleanupEntry struct {
	method, apiPath, label string
	done                   bool
}

// skipRun ends a run as skipped.
type skipRun struct{ reason string }

func (s *skipRun) Error() string { return s.reason }

// Run replays the scenarios against the target and judges every response. The error is
// non-nil when the run could not reach a verdict (ErrUsage, ErrUnreachable or a canceled
// context); the report is still returned, with what was done and cleaned up.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	start := cfg.Now()
	if cfg.RunID == "" {
		cfg.RunID = NewRunID(start)
	}
	if cfg.CleanupTimeout <= 0 {
		cfg.CleanupTimeout = 60 * time.Second
	}
	rep := &Report{Tool: "glcontract", RunID: cfg.RunID, StartedAt: start.UTC(), Write: cfg.Write, Strict: cfg.Strict, Steps: []StepResult{}, Findings: []Finding{}}
	r, err := newRunner(cfg, rep)
	if err != nil {
		rep.Result, rep.Reason = ResultAborted, err.Error()
		return rep, err
	}
	scenarios, err := r.loadScenarios()
	if err != nil {
		rep.Result, rep.Reason = ResultAborted, err.Error()
		return rep, fmt.Errorf("%w: %w", ErrUsage, err)
	}

	if err := r.t.probe(ctx); err != nil {
		r.stop = err
	} else {
		r.answered = true
	}
	for _, sc := range scenarios {
		if r.stop != nil {
			break
		}
		r.runScenario(ctx, sc)
	}
	r.cleanup(ctx)

	rep.DurationMS = cfg.Now().Sub(start).Milliseconds()
	rep.run = r.savedRun()
	rep.redact = r.redact
	r.run.Target = rep.Target
	var skip *skipRun
	switch {
	case r.stop == nil:
		rep.finish()
		return rep, nil
	case errors.As(r.stop, &skip):
		rep.Result, rep.Reason = ResultSkipped, skip.reason
		r.run.APIOff = skip.reason
		if len(rep.Errors()) > 0 {
			rep.Result = ResultFail
		}
		return rep, nil
	case isCanceled(r.stop):
		rep.Result, rep.Reason = ResultInterrupted, "interrupted: "+r.stop.Error()+"; what the run created was deleted"
		return rep, r.stop
	default:
		rep.Result, rep.Reason = ResultAborted, r.redact.String(r.stop.Error())
		return rep, r.stop
	}
}

func newRunner(cfg Config, rep *Report) (*runner, error) {
	token, ca := "", ""
	if cfg.Write {
		token, ca = newClusterToken(), newCACert(cfg.RunID, cfg.Now())
	}
	client := cfg.Client
	if client == nil {
		client = &Client{}
	}
	var t *target
	if cfg.Progress != nil && client.Notify == nil {
		c := *client // this run's copy, telling its progress writer
		c.Notify = func(msg string) { fmt.Fprintf(cfg.Progress, "     ... %s\n", t.redact.String(msg)) }
		client = &c
	}
	t, err := openTarget(cfg.URL, cfg.Token, client, token, ca)
	if err != nil {
		return nil, err
	}
	t.writeTimeout = cfg.CleanupTimeout
	project, err := url.PathUnescape(strings.TrimSpace(cfg.Project))
	if err != nil {
		return nil, fmt.Errorf("%w: --project %q: a numeric id or a path such as group/project", ErrUsage, cfg.Project)
	}
	group, err := url.PathUnescape(strings.TrimSpace(cfg.Group))
	if err != nil {
		return nil, fmt.Errorf("%w: --group %q: a numeric id or a path such as group/subgroup", ErrUsage, cfg.Group)
	}
	if project == "" && group == "" && !cfg.Instance {
		return nil, fmt.Errorf("%w: nothing to check: give --project (or GITLAB_PROJECT), --group or --instance", ErrUsage)
	}
	spec, err := loadDefaultSpec()
	if err != nil {
		return nil, err
	}
	r := &runner{
		cfg:    cfg,
		spec:   spec,
		t:      t,
		redact: t.redact,
		report: rep,
		vars: Vars{
			"run_id":         cfg.RunID,
			"name":           "glcontract-" + cfg.RunID,
			"scope":          "glcontract/" + cfg.RunID,
			"secret_token":   token,
			"secret_ca_cert": ca,
		},
	}
	r.values = runValues{vars: r.vars, generated: []string{"run_id", "name", "scope", "secret_token", "secret_ca_cert"}, captured: map[string]capturedFrom{}}
	if project != "" {
		r.vars["project"] = project
	}
	if group != "" {
		r.vars["group"] = group
	}
	r.chk = newChecker(spec, cfg.Strict, r.redact, repro{token: cfg.Token, redact: r.redact,
		secrets: map[string]string{"CLUSTER_TOKEN": token, "CA_CERT": ca}})
	r.secrets = []secretCheck{{Name: "api_token", Label: "API token", Value: cfg.Token}}
	if cfg.Write {
		r.secrets = append(r.secrets,
			secretCheck{Name: "secret_token", Label: "cluster token", Value: token},
			secretCheck{Name: "secret_ca_cert", Label: "CA certificate", Value: strings.TrimSpace(ca)})
	}
	rep.Target = Target{URL: r.redact.url(t.shown), Project: project, Group: group, Instance: cfg.Instance}
	r.run = &SavedRun{Format: runFormat, RunID: cfg.RunID, SavedAt: cfg.Now().UTC(), Strict: cfg.Strict, Write: cfg.Write,
		Scope: &RunScope{Project: project, Group: group, Instance: cfg.Instance}}
	return r, nil
}

func (r *runner) loadScenarios() ([]*Scenario, error) {
	fsys, dir := r.cfg.Scenarios, r.cfg.ScenarioDir
	if fsys == nil {
		fsys, dir = fixtures.FS, "scenarios"
	}
	if dir == "" {
		dir = "."
	}
	all, err := LoadScenarios(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	for _, sc := range all {
		if (sc.Write && !r.cfg.Write) || !r.checks(sc.Clusters) {
			continue
		}
		out = append(out, sc)
	}
	return out, nil
}

func (r *runner) runScenario(ctx context.Context, sc *Scenario) {
	volatile := typeOnlyKeys(sc, false)
	secrets := make([]secretCheck, len(r.secrets))
	for i, s := range r.secrets {
		s.AllowedAt = map[string]bool{}
		for _, p := range sc.SecretsAllowedAt[s.Name] {
			s.AllowedAt[genericPath(p)] = true
		}
		secrets[i] = s
	}
	for _, st := range sc.Steps {
		if r.stop == nil && ctx.Err() != nil {
			r.stop = ctx.Err()
		}
		if r.stop != nil {
			return
		}
		if !r.checks(st.Clusters) {
			continue // another kind of clusters than the run checks: not a skip, not asked for
		}
		if st.Foreach == "" {
			r.runStep(ctx, sc, st, "", volatile, secrets)
			continue
		}
		items, ok := r.vars[st.Foreach].([]any)
		if !ok {
			r.skipStep(sc, st, "", fmt.Sprintf("needs the list ${%s}, which an earlier step did not capture", st.Foreach))
			continue
		}
		if len(items) == 0 {
			r.skipStep(sc, st, "", fmt.Sprintf("${%s} is empty", st.Foreach))
			continue
		}
		for i, item := range items {
			if i >= maxForeach || r.stop != nil {
				break
			}
			r.vars[st.As] = item
			r.runStep(ctx, sc, st, text(item), volatile, secrets)
		}
		delete(r.vars, st.As)
	}
}

const maxForeach = 50

// checks reports whether the run checks this kind of clusters ("" is any run).
func (r *runner) checks(kind string) bool {
	switch kind {
	case KindProject:
		return r.vars["project"] != nil
	case KindGroup:
		return r.vars["group"] != nil
	case KindInstance:
		return r.cfg.Instance
	}
	return true
}

func (r *runner) skipStep(sc *Scenario, st *Step, item, why string) {
	name := stepName(st, item)
	r.report.Steps = append(r.report.Steps, StepResult{Scenario: sc.Name, Step: name, Outcome: OutcomeSkipped, Detail: why})
	r.run.Skipped = append(r.run.Skipped, sc.Name+"/"+name)
	r.progress("SKIP", sc.Name, name, why)
}

func stepName(st *Step, item string) string {
	if item == "" {
		return st.Name
	}
	return st.Name + " [" + item + "]"
}

// runStep sends one step (all its pages) and records its findings.
func (r *runner) runStep(ctx context.Context, sc *Scenario, st *Step, item string, volatile map[string]bool, secrets []secretCheck) {
	name := stepName(st, item)
	r.progress("RUN", sc.Name, name, "")
	if missing := r.missingInputs(st); len(missing) > 0 {
		r.skipStep(sc, st, item, "needs ${"+strings.Join(missing, "}, ${")+"}, which an earlier step did not capture")
		return
	}
	r.values.markSent(st.Request)
	started := r.cfg.Now()
	pinned := map[string]bool{}
	exp := expectation{
		Status:   st.Expect.Status,
		Body:     r.vars.Value(st.Expect.Body, "$", pinned),
		Empty:    st.Expect.Empty,
		Pinned:   pinned,
		Volatile: volatile,
	}
	exchanges, findings, body := r.exchangeStep(ctx, sc, st, name, exp, secrets)
	if len(exchanges) == 0 {
		return
	}
	first := exchanges[0]
	res := StepResult{Scenario: sc.Name, Step: name, Request: r.redact.String(first.requestLine()), Status: first.Status, Requests: len(exchanges)}
	if r.stopsRun(sc, st, first, res) {
		return
	}
	r.capture(sc, st, body)
	r.registerCleanup(st, first)
	r.releaseCleanup(first)

	r.record(ctx, sc, st, exchanges, body, findings)

	res.DurationMS = r.cfg.Now().Sub(started).Milliseconds()
	r.finishStep(res, findings, exchanges)
}

// record keeps the step's exchange for the saved run (and, for --save-baseline, its read
// requests sent again to learn what changes on its own).
func (r *runner) record(ctx context.Context, sc *Scenario, st *Step, exchanges []*exchange, body any, findings []Finding) {
	first := exchanges[0]
	if first.Err != nil {
		return
	}
	var extra map[string]string
	if st.Paginate != nil {
		extra = map[string]string{"page": "1", "per_page": strconv.Itoa(st.Paginate.PerPage)}
	}
	if first.Status/100 == 2 {
		r.run.Scope.resolve(cmp.Or(st.Clusters, sc.Clusters), body)
	}
	rec := &recorded{ex: first, template: r.values.pathTemplate(st.Request, extra), body: body, sc: sc, findings: findings}
	if first.Op != nil {
		if resp, _ := r.chk.response(first.Op, first.Status); resp != nil && resp.Headers != nil {
			rec.declared = slices.Collect(resp.Headers.KeysFromOldest())
		}
	}
	if r.cfg.LearnVolatile && !sc.Write && st.IsRead() {
		rec.again = r.sendAgain(ctx, exchanges)
	}
	r.recorded = append(r.recorded, rec)
}

// missingInputs lists the variables the step needs that no earlier step captured.
func (r *runner) missingInputs(st *Step) []string {
	required := make([]any, 0, len(st.Requires))
	for _, v := range st.Requires {
		required = append(required, "${"+v+"}")
	}
	return r.vars.missingVars(append(required, st.Request.Path, st.Request.Query, st.Request.Body, st.Expect.Body, st.Expect.Contains)...)
}

// exchangeStep sends the step's request, or walks its pages, and judges what came back. body is
// the decoded body (all items, for a page walk).
func (r *runner) exchangeStep(ctx context.Context, sc *Scenario, st *Step, name string, exp expectation, secrets []secretCheck) (exchanges []*exchange, findings []Finding, body any) {
	if st.Paginate != nil {
		return r.walkPages(ctx, sc, st, name, exp, secrets)
	}
	ex := r.send(ctx, sc, st, name, r.apiPath(st.Request, nil))
	if ex.Err == nil || !r.fatal(ex) {
		findings = r.chk.check(ex, exp, secrets)
		body = ex.decoded
	}
	return []*exchange{ex}, findings, body
}

// stopsRun decides whether the step's first answer ends it as skipped: no response at all, or a
// probe whose SkipIf or AbortIf matched (the API is off, the token is wrong, ...), which also
// stops the run. It records the skipped step.
func (r *runner) stopsRun(sc *Scenario, st *Step, first *exchange, res StepResult) bool {
	verb := "STOP"
	if first.Err != nil {
		if !r.fatal(first) {
			return false
		}
		res.Detail = r.redact.String(first.Err.Error())
	} else if c := r.matchCondition(st.SkipIf, first); c != nil {
		r.stop = &skipRun{reason: r.vars.String(c.Reason)}
		res.Detail, verb = r.vars.String(c.Reason), "SKIP"
	} else if c := r.matchCondition(st.AbortIf, first); c != nil {
		r.stop = fmt.Errorf("%w: %s", ErrUsage, r.vars.String(c.Reason))
		res.Detail = r.vars.String(c.Reason)
	} else {
		return false
	}
	res.Outcome = OutcomeSkipped
	r.report.Steps = append(r.report.Steps, res)
	r.progress(verb, sc.Name, res.Step, res.Detail)
	return true
}

// capture stores the values the step captures for later steps, and what the target is for the
// reports (captured by the version and user steps).
func (r *runner) capture(sc *Scenario, st *Step, body any) {
	for vname, p := range st.Capture {
		if v, ok := lookupJSONPath(body, p); ok {
			r.vars[vname] = v
			r.values.captured[vname] = capturedFrom{scenario: sc.Name, at: p}
		}
	}
	for vname, field := range map[string]*string{"gitlab_version": &r.report.Target.Version,
		"gitlab_revision": &r.report.Target.Revision, "username": &r.report.Target.User} {
		if v, ok := r.vars[vname]; ok {
			*field = text(v)
		}
	}
}

// finishStep counts the step's findings, decides its outcome, records it and prints its line.
func (r *runner) finishStep(res StepResult, findings []Finding, exchanges []*exchange) {
	for _, f := range findings {
		if f.Severity == SeverityError {
			res.Errors++
		} else {
			res.Notes++
		}
	}
	res.Outcome = OutcomePass
	if res.Errors > 0 {
		res.Outcome = OutcomeFail
	}
	r.report.Steps = append(r.report.Steps, res)
	r.report.Findings = append(r.report.Findings, findings...)
	r.progress(strings.ToUpper(string(res.Outcome)), res.Scenario, res.Step, stepDetail(res, exchanges))
}

// stepDetail is the progress line's detail: the request, its status, and what it took.
func stepDetail(res StepResult, exchanges []*exchange) string {
	detail := fmt.Sprintf("%s → %d", res.Request, res.Status)
	if len(exchanges) > 1 {
		detail += fmt.Sprintf(" (%d requests)", len(exchanges))
	}
	if retries := retriesOf(exchanges); retries > 0 {
		detail += fmt.Sprintf(" (after %d retr%s on 429/5xx)", retries, map[bool]string{true: "y", false: "ies"}[retries == 1])
	}
	if res.Errors > 0 {
		detail += fmt.Sprintf(", %d finding(s)", res.Errors)
	}
	return detail
}

// fatal handles a request that got no response: before any response the target is
// unreachable; a canceled context stops the run. Other transport errors are findings.
func (r *runner) fatal(ex *exchange) bool {
	var redir *RedirectError
	var unav *UnavailableError
	switch {
	case isCanceled(ex.Err):
		r.stop = ex.Err
		return true
	case errors.As(ex.Err, &redir):
		r.stop = redir
		return true
	case errors.As(ex.Err, &unav):
		r.stop = unav
		return true
	case !r.answered:
		r.stop = transportError(r.report.Target.URL, ex.Err)
		return true
	}
	return false
}

func (r *runner) matchCondition(conds []Condition, ex *exchange) *Condition {
	for i := range conds {
		c := &conds[i]
		if c.Status != ex.Status {
			continue
		}
		if c.Body != nil {
			var v any
			if json.Unmarshal(ex.Body, &v) != nil || len(compareValue(r.vars.Value(c.Body, "$", nil), v, nil, nil)) > 0 {
				continue
			}
		}
		return c
	}
	return nil
}

// apiPath builds the escaped path and query of a request, with extra query parameters.
func (r *runner) apiPath(req Request, extra map[string]string) string {
	p := r.vars.PathString(req.Path)
	q := url.Values{}
	for k, v := range req.Query {
		q.Set(k, r.vars.String(v))
	}
	for k, v := range extra {
		q.Set(k, v)
	}
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// send makes one request of a step, through the target (never retried unless it is a GET or
// HEAD), and records what was sent and what came back.
func (r *runner) send(ctx context.Context, sc *Scenario, st *Step, name, apiPath string) *exchange {
	req := request{Method: strings.ToUpper(st.Request.Method), APIPath: apiPath, Auth: st.Request.Auth}
	ex := &exchange{Scenario: sc.Name, Step: name, Method: req.Method, APIPath: apiPath, URL: r.t.url(req), auth: req.Auth}
	ex.Op = r.spec.route(ex.Method, apiPath)
	if st.Request.Body != nil {
		b, err := json.Marshal(r.vars.Value(st.Request.Body, "$", nil))
		if err != nil {
			ex.Err = err
			return ex
		}
		req.Body, ex.ReqBody = b, b
	}
	ex.ReqHeader = r.t.header(req)
	if !idempotent(ex.Method) {
		r.wrote = true
		if r.wroteTo == nil {
			r.wroteTo = map[string]bool{}
		}
		r.wroteTo[cmp.Or(st.Clusters, sc.Clusters)] = true
	}
	started := r.cfg.Now()
	resp, err := r.t.send(ctx, req)
	ex.Duration = r.cfg.Now().Sub(started)
	ex.Err = err
	if resp == nil {
		return ex
	}
	r.answered = true
	ex.Status, ex.Header, ex.Body, ex.Attempts = resp.Status, resp.Header, resp.Body, resp.Attempts
	return ex
}

func (r *runner) progress(outcome, scenario, step, detail string) {
	if r.cfg.Progress == nil {
		return
	}
	fmt.Fprintln(r.cfg.Progress, strings.TrimRight(fmt.Sprintf("%-4s %-10s %-36s %s", outcome, scenario, step, r.redact.String(detail)), " "))
}

// retriesOf counts the extra attempts the client made for a step's requests.
func retriesOf(exchanges []*exchange) int {
	n := 0
	for _, ex := range exchanges {
		if ex.Attempts > 1 {
			n += ex.Attempts - 1
		}
	}
	return n
}
