// Package mockserver is a stateful in-memory GitLab that serves the project clusters API as openapi.yaml describes it.
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
		start.withDefaults()
		if err := start.check(); err != nil {
			return nil, err
		}
		s.resetSeed = compactSeed(start)
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
	a := &access{ResponseWriter: rw}
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
		seed.withDefaults()
		if err := seed.check(); err != nil {
			return err
		}
	}
	if err := seed.checkNotRedacted(); err != nil {
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
	if err := writeStateFile(s.cfg.stateFile, st.seedLocked().JSON()); err != nil {
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
		"getApiV4Version":                        s.getVersion,
		"getApiV4User":                           s.getUser,
		"getApiV4ProjectsIdClusters":             s.listClusters,
		"getApiV4ProjectsIdClustersClusterId":    s.getCluster,
		"postApiV4ProjectsIdClustersUser":        s.createCluster,
		"putApiV4ProjectsIdClustersClusterId":    s.updateCluster,
		"deleteApiV4ProjectsIdClustersClusterId": s.deleteCluster,
	}
	for id, op := range s.ops {
		h, ok := handlers[id]
		if !ok {
			panic("mockserver: no handler for operation " + id)
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

// call is one request on its way through the pipeline.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	st      *state
	tok     *token
	project *project
	body    map[string]any
	status  int
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
	hasProject := strings.Contains(op.path, "{id}")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := accessOf(w)
		a.op = op.id
		pathParams := map[string]string{}
		if s.cfg.checkResponse != nil { // WithResponseCheck (respcheck.go)
			rec := &recorder{ResponseWriter: w, status: http.StatusOK}
			w = rec
			defer func() { s.checkResponse(op, r, pathParams, rec) }()
		}
		c := &call{w: w, r: r, st: s.state.Load()}
		defer func() {
			if v := recover(); v != nil { // logged as the 500 ServeHTTP will send
				c.status = http.StatusInternalServerError
				defer panic(v)
			}
			if c.tok != nil {
				a.user = c.tok.user.id
			}
		}()
		body, media, e := readBody(w, r)
		if e != nil {
			c.fail(e)
			return
		}
		if c.tok, e = c.st.authenticate(r); e != nil {
			c.fail(e)
			return
		}
		if hasProject {
			rawID := rawSegment(r, 3) // /api/v4/projects/{id}
			pathParams["id"] = rawID
			ref, err := url.PathUnescape(rawID)
			if err != nil {
				c.fail(errProjectNotFound)
				return
			}
			c.st.mu.RLock()
			c.project = c.st.projectByRef(ref)
			c.st.mu.RUnlock()
			if c.project == nil || !c.project.visibleTo(c.tok.user) {
				c.fail(errProjectNotFound)
				return
			}
			if !s.Feature(FeatureCertificateBasedClusters) {
				c.fail(errNotFound)
				return
			}
		}
		if strings.Contains(op.path, "{cluster_id}") {
			pathParams["cluster_id"] = r.PathValue("cluster_id")
		}
		if c.body, e = op.validate(r, pathParams, body, media); e != nil {
			c.fail(e)
			return
		}
		h(c)
	})
}

// rawSegment returns the n-th segment of the escaped path (0 is "api").
func rawSegment(r *http.Request, n int) string {
	parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	if n < len(parts) {
		return parts[n]
	}
	return ""
}
