package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/glclusters/clustersapi/mockserver/internal/grape"
)

// The request pipeline. Every request passes the stages of ServeHTTP top to bottom, in the
// order GitLab runs them (Rack middleware, Rails' router, then Grape's endpoint); each stage
// either answers, and the request ends there, or hands on. This file decides the error
// precedence of every API request; what the handler decides about the cluster itself (404
// before 403, then the model's validations) is in clusters.go.

// ServeHTTP serves the mock.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := s.now()
	a := &access{ResponseWriter: rw, path: r.URL.EscapedPath()}
	defer s.finish(r, a, start) // one log line and journal entry, whatever happened below
	defer s.recoverPanic(a, r)  // the one recover: a panic anywhere below is GitLab's 500

	if strings.HasPrefix(r.URL.Path, ControlPrefix) { // the mock's own API: no GitLab middleware
		if !rejectDotSegments(a, r) {
			s.mux.ServeHTTP(a, r)
		}
		return
	}
	body := grape.ReadBody(r, MaxBodyBytes) // read once, here, for every stage that needs it
	if s.rejectMalformed(a, r, body) {      // Rack: HandleMalformedStrings → 400 text/plain
		return
	}
	if rejectDotSegments(a, r) { // Rails' router → the catch-all 404
		return
	}
	ep := s.route(r) // the operation, decided once; nil for anything else
	if s.injectFault(a, r, ep) {
		return
	}
	if ep == nil { // /-/health, or GitLab's catch-all 404 (a wrong method included)
		s.mux.ServeHTTP(a, r)
		return
	}
	s.serveOperation(a, r, ep, body)
}

// serveOperation runs Grape's endpoint for one of the spec's operations.
func (s *Server) serveOperation(a *access, r *http.Request, ep *endpoint, raw grape.Body) {
	a.op = ep.op.id
	if ep.catchAll { // a route the edition does not have, as the catch-all answers it
		a.user = s.userOf(r)
		writeError(a, errRouteNotFound)
		return
	}
	c := &call{w: a, r: r, path: a.path, st: s.state.Load()}
	if s.cfg.checkResponse != nil { // WithResponseCheck (respcheck.go): mocktest's spec check
		rec := &recorder{ResponseWriter: a, status: http.StatusOK}
		c.w = rec
		defer func() { s.checkResponse(ep.op, r, c.params.asMap(), rec) }()
	}
	defer func() { // the log line's user, also when a stage panics
		if c.tok != nil {
			a.user = c.tok.user.id
		}
	}()
	body, e := parseBody(c.w, r, raw) // 413; invalid JSON or form → 400; 415 (body.go)
	if e == nil {
		c.tok, e = c.st.authenticate(r) // 401; read_api writing → 403; sudo (auth.go)
		if e == errNoToken && ep.anonymous {
			e = nil // a route anonymous users may call: no token is no user, a wrong one still 401
		}
	}
	if e == nil && ep.kind != "" {
		e = c.findOwner(ep.kind) // project or group → 404; /admin without admin → 403
	}
	if e == nil && ep.kind != "" && !s.Feature(FeatureCertificateBasedClusters) {
		e = errNotFound // the flag is checked after the lookup, as GitLab's before block does
	}
	if ep.idSegment > 0 { // a read route's {id}, which its handler looks up after validation
		c.params.id, c.params.hasID = rawSegment(c.path, ep.idSegment), true
	}
	if e == nil && ep.clusterIDSegment > 0 {
		c.params.clusterID, c.params.hasClusterID = pathSegment(c.path, ep.clusterIDSegment), true
	}
	if e == nil {
		c.body, c.query, e = ep.op.validate(r, &c.params, body) // Grape's params → 400 (validate.go)
	}
	if e != nil {
		c.fail(e)
		return
	}
	ep.handle(c) // cluster lookup (404), role (403), model validations (400): clusters.go
}

// recoverPanic turns a handler's panic into GitLab's 500 body and a log line. A drop fault's
// http.ErrAbortHandler goes on up: net/http closes the connection.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.log.Error("handler panic", "method", r.Method, "path", r.URL.EscapedPath(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	writeError(w, errInternal)
}

// rejectDotSegments answers the catch-all 404 for a path with dot segments or an empty
// segment, where ServeMux would redirect (text/html) to the cleaned path.
func rejectDotSegments(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	if strings.Contains(p, "/./") || strings.Contains(p, "/../") || strings.Contains(p, "//") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") {
		writeError(w, errRouteNotFound)
		return true
	}
	return false
}

// route finds the request's operation: the ServeMux holds one *endpoint per operation.
func (s *Server) route(r *http.Request) *endpoint {
	h, _ := s.mux.Handler(r)
	ep, _ := h.(*endpoint)
	return ep
}

// injectFault applies the first active fault that matches, and reports whether it answered.
func (s *Server) injectFault(a *access, r *http.Request, ep *endpoint) bool {
	if s.faults.n.Load() == 0 || !strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	opID := ""
	if ep != nil {
		opID = ep.op.id
	}
	now := s.now()
	f := s.faults.take(r, opID, now)
	if f == nil {
		return false
	}
	if f.Status != 0 || f.Drop {
		a.op, a.fault, a.user = opID, true, s.userOf(r)
	}
	return f.apply(a, now)
}

// endpoint is one of the spec's operations as the ServeMux routes it. The pipeline calls
// handle itself (serveOperation); ServeHTTP is there only to make it a mux handler.
type endpoint struct {
	op     *operation
	handle func(*call)
	// kind is what the route's clusters belong to (projectType, groupType, instanceType), ""
	// for a route that is not a clusters route.
	kind string
	// clusterIDSegment is the index of {cluster_id} among the path's segments (0 is "api"),
	// 0 when the route has none.
	clusterIDSegment int
	// The read routes of projects, groups, namespaces, members and users (readapi.go) are not
	// clusters routes: the flag does not switch them off, and their handlers look the project
	// or group up after Grape's validation, as GitLab's endpoints do (find_project! and
	// find_group! in the endpoint's body, not in a before block). idSegment is the index of
	// their {id} (3), 0 for any other route.
	idSegment int
	// anonymous: a request without a token reaches the route as no user (GitLab's routes
	// without authenticate!); a token GitLab does not know is still 401.
	anonymous bool
	// catchAll: a route of the spec that GitLab's Community Edition does not have
	// (GET /projects/:id/push_rule): every request meets the catch-all, before authentication.
	catchAll bool
}

// anonymousOps are the read routes GitLab serves without authenticate!: lib/api/projects.rb,
// lib/api/groups.rb (authenticate_non_get! only), and lib/api/users.rb's GET /users/:id, whose
// body answers 403 itself without a user.
var anonymousOps = map[string]bool{OpGetProject: true, OpListProjects: true, OpGetGroup: true, OpListGroups: true,
	OpListGroupProjects: true, OpListSubgroups: true, OpGetUserByID: true}

func newEndpoint(op *operation, handle func(*call)) *endpoint {
	ep := &endpoint{op: op, handle: handle}
	switch {
	case op.id == OpPushRule:
		ep.catchAll = true
	case !strings.Contains(op.path, "clusters"): // the read routes
		if strings.Contains(op.path, "{id}") {
			ep.idSegment = 3
		}
		ep.anonymous = anonymousOps[op.id]
	case strings.HasPrefix(op.path, "/projects/{id}"):
		ep.kind = projectType
	case strings.HasPrefix(op.path, "/groups/{id}"):
		ep.kind = groupType
	case strings.HasPrefix(op.path, "/admin/"):
		ep.kind = instanceType
	}
	for i, seg := range strings.Split("/api/v4"+op.path, "/")[1:] {
		if seg == "{cluster_id}" {
			ep.clusterIDSegment = i
		}
	}
	return ep
}

func (ep *endpoint) ServeHTTP(http.ResponseWriter, *http.Request) {
	panic("mockserver: an endpoint is served by the pipeline, not by the ServeMux")
}

// call is one request on its way through the pipeline. A clusters route names a project, a
// group, or the instance.
type call struct {
	w        http.ResponseWriter
	r        *http.Request
	path     string // r's escaped path
	st       *state
	tok      *token
	project  *project
	group    *namespace
	instance bool
	body     map[string]any // the validated body, Grape's coercion and the spec's defaults applied
	query    url.Values     // the query as Grape coerced it; nil without one
	params   pathParams
}

// pathParams are the route's path parameters as kin-openapi reads them: the raw id once the
// owner's lookup has read it, and the cluster id. A map is made only when kin-openapi is asked.
type pathParams struct {
	id, clusterID       string
	hasID, hasClusterID bool
}

func (p *pathParams) asMap() map[string]string {
	m := make(map[string]string, 2)
	if p.hasID {
		m["id"] = p.id
	}
	if p.hasClusterID {
		m["cluster_id"] = p.clusterID
	}
	return m
}

func (c *call) fail(e *apiError) { writeError(c.w, e) }

func (c *call) json(status int, body []byte) { writeJSON(c.w, status, body) }

// findOwner is the step of GitLab's pipeline before the feature flag: the project's lookup
// (find_project!: 404 Project Not Found when missing or unreadable), the group's (find_group!:
// 404 Group Not Found), or, for the instance, authenticated_as_admin! (403).
func (c *call) findOwner(kind string) *apiError {
	if kind == instanceType {
		if !c.tok.user.admin {
			return errForbidden
		}
		c.instance = true
		return nil
	}
	notFound := errProjectNotFound
	if kind == groupType {
		notFound = errGroupNotFound
	}
	rawID := rawSegment(c.path, 3) // /api/v4/projects/{id} or /api/v4/groups/{id}
	c.params.id, c.params.hasID = rawID, true
	ref, err := url.PathUnescape(rawID)
	if err != nil {
		return notFound
	}
	if kind == groupType {
		if g := c.st.groupByRef(ref); g != nil && c.st.groupReadable(g, c.tok.user) {
			c.group = g
			return nil
		}
		return notFound
	}
	if p := c.st.projectByRef(ref); p != nil && p.visibleTo(c.tok.user) {
		c.project = p
		return nil
	}
	return notFound
}

// rawSegment returns the n-th segment of an escaped path (0 is "api").
func rawSegment(escapedPath string, n int) string {
	p := strings.TrimPrefix(escapedPath, "/")
	for ; n > 0; n-- {
		i := strings.IndexByte(p, '/')
		if i < 0 {
			return ""
		}
		p = p[i+1:]
	}
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return p
}

// pathSegment is rawSegment unescaped, as the ServeMux hands a wildcard's value over.
func pathSegment(escapedPath string, n int) string {
	raw := rawSegment(escapedPath, n)
	if v, err := url.PathUnescape(raw); err == nil {
		return v
	}
	return raw
}
