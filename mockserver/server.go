// Package mockserver is a stateful in-memory GitLab that serves the certificate-based clusters API (project, group and instance clusters, and discovery) as openapi.yaml describes it.
package mockserver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clustersapi "github.com/glclusters/clustersapi"
	"github.com/glclusters/clustersapi/mockserver/internal/glversion"
)

// MaxBodyBytes is the largest request body accepted; larger ones get 413.
const MaxBodyBytes = 1 << 20

// FeatureCertificateBasedClusters is GitLab's flag that switches the clusters API on.
const FeatureCertificateBasedClusters = "certificate_based_clusters"

// Server is the mock GitLab. It is an http.Handler; it is safe for concurrent use.
type Server struct {
	cfg     config
	ops     map[string]*operation
	mux     *http.ServeMux
	state   atomic.Pointer[state]
	flagsMu sync.RWMutex
	flags   map[string]bool
	gv      glversion.Version
	// resetSeed gives what reset returns to. A large custom seed is kept gzipped, not parsed.
	resetSeed func() *Seed
	now       func() time.Time
	log       *slog.Logger
	journal   *journal
	faults    faults
	resetMu   sync.Mutex // one reset at a time
}

// New builds a Server from the embedded spec and the default seed, changed by opts.
func New(opts ...Option) (*Server, error) {
	cfg := config{features: map[string]bool{}, externalURL: "https://gitlab.example.com", maxClusters: DefaultMaxClusters}
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.errs) > 0 {
		return nil, cfg.errs[0]
	}
	if cfg.stateFile != "" {
		if err := checkStateDir(cfg.stateFile); err != nil {
			return nil, err
		}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	ops, err := specOperations()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, ops: ops, log: cfg.logger, now: time.Now, gv: glversion.Newest, journal: newJournal()}
	if cfg.gitlabVersion != "" {
		if s.gv, err = glversion.Parse(cfg.gitlabVersion); err != nil {
			return nil, &ConfigError{err.Error()}
		}
	}
	s.flags = map[string]bool{FeatureCertificateBasedClusters: s.gv.ClustersFlagDefault()}
	for name, on := range cfg.features {
		s.flags[name] = on
	}
	start := cfg.seed
	if start == nil {
		start = DefaultSeed()
		s.resetSeed = DefaultSeed
	} else {
		start.WithDefaults()
		if err := start.Check(); err != nil {
			return nil, err
		}
		s.resetSeed = start.Compact()
	}
	if cfg.stateFile != "" {
		saved, ok, err := readStateFile(cfg.stateFile)
		if err != nil {
			return nil, err
		}
		if ok {
			start = saved
		}
	}
	s.state.Store(newState(start, cfg.externalURL))
	s.cfg.seed = nil // held by resetSeed now, compactly
	if cfg.stateFile != "" {
		st := s.state.Load()
		st.mu.Lock()
		err := s.persistLocked(st)
		st.mu.Unlock()
		if err != nil {
			return nil, &StateFileError{cfg.stateFile, err}
		}
	}
	s.routes()
	return s, nil
}

// specOperations parses the embedded spec once per process: it never changes, and the
// operations are read-only afterwards, so every Server shares them.
var specOperations = sync.OnceValues(func() (map[string]*operation, error) { return loadOperations(clustersapi.OpenAPI) })

// ServeHTTP serves the mock. A panic in a handler becomes GitLab's 500 body and a log line.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := s.now()
	a := &access{ResponseWriter: rw, path: r.URL.EscapedPath()}
	w := http.ResponseWriter(a)
	defer s.finish(r, a, start) // after the recovery below has answered
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("handler panic", "method", r.Method, "path", r.URL.EscapedPath(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			writeError(w, errInternal)
		}
	}()
	if s.rejectMalformed(w, r) { // GitLab's HandleMalformedStrings, before everything else (malformed.go)
		return
	}
	if strings.Contains(r.URL.Path, "/./") || strings.Contains(r.URL.Path, "/../") || strings.Contains(r.URL.Path, "//") ||
		strings.HasSuffix(r.URL.Path, "/.") || strings.HasSuffix(r.URL.Path, "/..") {
		writeError(w, errRouteNotFound) // not ServeMux's text/html redirect to the cleaned path
		return
	}
	if s.faults.n.Load() > 0 && strings.HasPrefix(r.URL.Path, "/api/") {
		_, pattern := s.mux.Handler(r)
		opID := ""
		for id, op := range s.ops {
			if pattern == op.method+" /api/v4"+op.path {
				opID = id
			}
		}
		now := s.now()
		if f := s.faults.take(r, opID, now); f != nil {
			if f.Status != 0 || f.Drop {
				a.op, a.fault, a.user = opID, true, s.userOf(r)
			}
			if f.apply(w, now) {
				return
			}
		}
	}
	s.mux.ServeHTTP(w, r)
}

// Reset replaces the whole state with a seed; nil means the seed the server started with.
// It is all or nothing: with a state file, the state changes only once the file is written.
// A seed holding an export's redacted secrets is refused (it would lock everyone out).
// The journal and the faults are kept (POST /-/mock/reset clears them too).
func (s *Server) Reset(seed *Seed) error {
	if seed == nil {
		seed = s.resetSeed()
	} else {
		seed.WithDefaults()
		if err := seed.Check(); err != nil {
			return err
		}
	}
	if err := seed.CheckNotRedacted(); err != nil {
		return err
	}
	st := newState(seed, s.cfg.externalURL)
	s.resetMu.Lock()
	defer s.resetMu.Unlock()
	old := s.state.Load()
	old.mu.Lock() // writers of the old state wait, then find it replaced (persistLocked)
	defer old.mu.Unlock()
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := s.writeState(st); err != nil {
		return err
	}
	s.state.Store(st)
	return nil
}

// persistLocked writes the state file, if any, with st's lock held: a write is acknowledged
// only once it is on disk. A state that a reset replaced meanwhile is not written.
func (s *Server) persistLocked(st *state) error {
	if s.cfg.stateFile != "" && s.state.Load() != st {
		return errors.New("state replaced by a reset")
	}
	return s.writeState(st)
}

func (s *Server) writeState(st *state) error {
	if s.cfg.stateFile == "" {
		return nil
	}
	if err := writeStateFileFrom(s.cfg.stateFile, st.writeSeedJSON); err != nil { // a cluster at a time
		s.log.Error("state file not written", "path", s.cfg.stateFile, "error", err.Error())
		return err
	}
	return nil
}

// Export returns the current state in the seed format.
func (s *Server) Export() *Seed { return s.state.Load().seed() }

// SetFeature switches a feature flag at run time.
func (s *Server) SetFeature(name string, on bool) {
	s.flagsMu.Lock()
	s.flags[name] = on
	s.flagsMu.Unlock()
}

// Feature reads a feature flag.
func (s *Server) Feature(name string) bool {
	s.flagsMu.RLock()
	defer s.flagsMu.RUnlock()
	return s.flags[name]
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /-/health", func(w http.ResponseWriter, r *http.Request) {
		accessOf(w).noJournal = true
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "GitLab OK")
	})
	handlers := map[string]func(*call){
		OpVersion:               s.getVersion,
		OpUser:                  s.getUser,
		OpListClusters:          s.listClusters,
		OpGetCluster:            s.getCluster,
		OpCreateCluster:         s.createCluster,
		OpUpdateCluster:         s.updateCluster,
		OpDeleteCluster:         s.deleteCluster,
		OpListGroupClusters:     s.listClusters,
		OpGetGroupCluster:       s.getCluster,
		OpCreateGroupCluster:    s.createCluster,
		OpUpdateGroupCluster:    s.updateCluster,
		OpDeleteGroupCluster:    s.deleteCluster,
		OpListInstanceClusters:  s.listClusters,
		OpGetInstanceCluster:    s.getCluster,
		OpAddInstanceCluster:    s.createCluster,
		OpUpdateInstanceCluster: s.updateCluster,
		OpDeleteInstanceCluster: s.deleteCluster,
		OpDiscoverClusters:      s.discoverClusters,
	}
	for id, op := range s.ops {
		h, ok := handlers[id]
		if !ok {
			panic("mockserver: no handler for operation " + id)
		}
		if !s.available(op) {
			continue // not in the release modelled: GitLab's catch-all answers
		}
		s.mux.Handle(op.method+" /api/v4"+op.path, s.endpoint(op, h))
	}
	// Everything else, a wrong method included, meets GitLab's catch-all route.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		accessOf(w).user = s.userOf(r)
		writeError(w, errRouteNotFound)
	})
	s.controlRoutes()
}

// available says whether the release modelled has the operation: group clusters came in
// 12.1, instance clusters in 13.2, discovery in 17.9.
func (s *Server) available(op *operation) bool {
	switch {
	case strings.HasPrefix(op.path, "/groups/"):
		return s.gv.GroupClusters()
	case strings.HasPrefix(op.path, "/admin/"):
		return s.gv.InstanceClusters()
	case op.id == OpDiscoverClusters:
		return s.gv.ClusterDiscovery()
	}
	return true
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
	body     map[string]any
	status   int
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

func (c *call) fail(e *apiError) {
	c.status = e.status
	writeError(c.w, e)
}

func (c *call) json(status int, body []byte) {
	c.status = status
	writeJSON(c.w, status, body)
}

// endpoint runs GitLab's request pipeline in GitLab's order: body parsing (Grape's formatter),
// authentication, project lookup, feature flag, parameter validation, then the handler (cluster
// lookup, role, model validation).
func (s *Server) endpoint(op *operation, h func(*call)) http.Handler {
	kind := "" // what the route's clusters belong to, if it is a clusters route
	switch {
	case strings.HasPrefix(op.path, "/projects/{id}"):
		kind = projectType
	case strings.HasPrefix(op.path, "/groups/{id}"):
		kind = groupType
	case strings.HasPrefix(op.path, "/admin/"):
		kind = instanceType
	}
	hasClusterID := strings.Contains(op.path, "{cluster_id}")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := accessOf(w)
		a.op = op.id
		c := &call{w: w, r: r, path: a.path, st: s.state.Load()}
		if s.cfg.checkResponse != nil { // WithResponseCheck (respcheck.go)
			rec := &recorder{ResponseWriter: w, status: http.StatusOK}
			w, c.w = rec, rec
			defer func() { s.checkResponse(op, r, c.params.asMap(), rec) }()
		}
		defer func() {
			if v := recover(); v != nil { // logged as the 500 ServeHTTP will send
				c.status = http.StatusInternalServerError
				defer panic(v)
			}
			if c.tok != nil {
				a.user = c.tok.user.id
			}
		}()
		body, e := readBody(w, r)
		if e != nil {
			c.fail(e)
			return
		}
		if c.tok, e = c.st.authenticate(r); e != nil {
			c.fail(e)
			return
		}
		if kind != "" { // the project or group lookup, or the admin check; then the feature flag
			if e := c.findOwner(kind); e != nil {
				c.fail(e)
				return
			}
			if !s.Feature(FeatureCertificateBasedClusters) {
				c.fail(errNotFound)
				return
			}
		}
		if hasClusterID {
			c.params.clusterID, c.params.hasClusterID = r.PathValue("cluster_id"), true
		}
		if c.body, e = op.validate(r, &c.params, body); e != nil {
			c.fail(e)
			return
		}
		h(c)
	})
}

// findOwner runs the step of GitLab's pipeline before the feature flag: the project's lookup
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
	c.st.mu.RLock()
	defer c.st.mu.RUnlock()
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
