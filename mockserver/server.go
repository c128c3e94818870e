// Package mockserver is a stateful in-memory GitLab that serves the certificate-based clusters API (project, group and instance clusters, and discovery) as openapi.yaml describes it.
package mockserver

import (
	"errors"
	"github.com/glclusters/clustersapi/mockserver/internal/store"
	"io"
	"iter"
	"log/slog"
	"net/http"
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
	var st *state
	if cfg.stateFile != "" {
		saved, ok, err := store.ReadStateFile(cfg.stateFile)
		if err != nil {
			return nil, err
		}
		if ok { // what the mock stored wins over the seed
			if st, err = newState(saved, cfg.externalURL); err != nil {
				return nil, &store.StateFileError{Path: cfg.stateFile, Err: err}
			}
		}
	}
	if st == nil {
		if st, err = newState(start, cfg.externalURL); err != nil {
			return nil, err
		}
	}
	st.clusters.SetSaver(s.saver(st))
	s.state.Store(st)
	s.cfg.seed = nil // held by resetSeed now, compactly
	if cfg.stateFile != "" {
		if err := st.clusters.Save(); err != nil {
			return nil, &store.StateFileError{Path: cfg.stateFile, Err: err}
		}
	}
	s.routes()
	return s, nil
}

// specOperations parses the embedded spec once per process: it never changes, and the
// operations are read-only afterwards, so every Server shares them.
var specOperations = sync.OnceValues(func() (map[string]*operation, error) { return loadOperations(clustersapi.OpenAPI) })

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
	st, err := newState(seed, s.cfg.externalURL)
	if err != nil {
		return err
	}
	st.clusters.SetSaver(s.saver(st))
	s.resetMu.Lock()
	defer s.resetMu.Unlock()
	// Writers of the old state wait, then find it replaced (saver).
	return s.state.Load().clusters.Freeze(func() error {
		if s.cfg.stateFile != "" {
			if err := st.clusters.Seed(s.stateFileWriter(st)); err != nil {
				return err
			}
		}
		s.state.Store(st)
		return nil
	})
}

// saver writes the state file after each change of st: a change is acknowledged only once
// it is on disk. A state that a reset replaced meanwhile is not written, and its change is
// undone.
func (s *Server) saver(st *state) store.Saver {
	if s.cfg.stateFile == "" {
		return nil
	}
	write := s.stateFileWriter(st)
	return func(nextID, n int, clusters iter.Seq[*SeedCluster]) error {
		if s.state.Load() != st {
			return errors.New("state replaced by a reset")
		}
		return write(nextID, n, clusters)
	}
}

// stateFileWriter writes st as the state file, a cluster at a time.
func (s *Server) stateFileWriter(st *state) store.Saver {
	return func(nextID, n int, clusters iter.Seq[*SeedCluster]) error {
		err := store.WriteStateFile(s.cfg.stateFile, func(w io.Writer) error { return st.seedWriter(w)(nextID, n, clusters) })
		if err != nil {
			s.log.Error("state file not written", "path", s.cfg.stateFile, "error", err.Error())
		}
		return err
	}
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
		OpGetProject:            s.getProject,
		OpListProjects:          s.listProjects,
		OpGetGroup:              s.getGroup,
		OpListGroups:            s.listGroups,
		OpListGroupProjects:     s.listGroupProjects,
		OpListSubgroups:         s.listSubgroups,
		OpGetNamespace:          s.getNamespace,
		OpListProjectMembers:    s.listProjectMembers,
		OpListGroupMembers:      s.listGroupMembers,
		OpGetUserByID:           s.getUserByID,
		OpPushRule:              nil, // the catch-all answers (pipeline.go)
	}
	for id, op := range s.ops {
		h, ok := handlers[id]
		if !ok {
			panic("mockserver: no handler for operation " + id)
		}
		if !s.available(op) {
			continue // not in the release modelled: GitLab's catch-all answers
		}
		s.mux.Handle(op.method+" /api/v4"+op.path, newEndpoint(op, h))
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
	case strings.HasPrefix(op.path, "/groups/{id}/clusters"):
		return s.gv.GroupClusters()
	case strings.HasPrefix(op.path, "/admin/"):
		return s.gv.InstanceClusters()
	case op.id == OpDiscoverClusters:
		return s.gv.ClusterDiscovery()
	}
	return true
}
