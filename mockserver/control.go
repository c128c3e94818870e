package mockserver

import (
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ControlPrefix is where the mock's own control API lives (described in control.yaml), apart
// from GitLab's API. It needs an administrator's token.
const ControlPrefix = "/-/mock/"

func (s *Server) controlRoutes() {
	routes := map[string]func(http.ResponseWriter, *http.Request){
		"POST /-/mock/reset":               s.ctlReset,
		"GET /-/mock/state":                s.ctlExport,
		"PUT /-/mock/state":                s.ctlLoad,
		"GET /-/mock/features":             s.ctlFeatures,
		"PUT /-/mock/features/{name}":      s.ctlSetFeature,
		"GET /-/mock/requests":             s.ctlRequests,
		"DELETE /-/mock/requests":          s.ctlClearRequests,
		"GET /-/mock/faults":               s.ctlFaults,
		"POST /-/mock/faults":              s.ctlAddFault,
		"DELETE /-/mock/faults":            s.ctlClearFaults,
		"DELETE /-/mock/faults/{fault_id}": s.ctlDeleteFault,
	}
	for pattern, h := range routes {
		s.mux.Handle(pattern, s.admin(h))
	}
}

// admin lets only an administrator's token with the api scope through.
func (s *Server) admin(h func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, e := s.state.Load().authenticate(r)
		if e != nil {
			writeError(w, e)
			return
		}
		if !tok.user.admin {
			writeError(w, errForbidden)
			return
		}
		h(w, r)
	})
}

func ctlError(w http.ResponseWriter, status int, msg string) {
	writeError(w, messageError(status, msg))
}

func (s *Server) ctlReset(w http.ResponseWriter, r *http.Request) {
	if err := s.Reset(nil); err != nil {
		ctlError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ctlExport returns the state as a seed. Access tokens and cluster tokens are redacted unless
// ?secrets=true; redacted access tokens stay unique, so the export still loads.
func (s *Server) ctlExport(w http.ResponseWriter, r *http.Request) {
	seed := s.Export()
	if r.URL.Query().Get("secrets") != "true" {
		for i := range seed.Clusters {
			seed.Clusters[i].Platform.Token = "[REDACTED]"
		}
		for i := range seed.Tokens {
			seed.Tokens[i].Token = "[REDACTED-" + strconv.Itoa(i+1) + "]"
		}
	}
	writeJSON(w, http.StatusOK, seed.JSON())
}

func (s *Server) ctlLoad(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
	if err != nil {
		ctlError(w, http.StatusRequestEntityTooLarge, "seed too large (64 MiB at most)")
		return
	}
	seed, err := ParseSeed(raw)
	if err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.Reset(seed); err != nil {
		ctlError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlFeatures(w http.ResponseWriter, r *http.Request) {
	s.flagsMu.RLock()
	out := mustJSON(s.flags)
	s.flagsMu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) ctlSetFeature(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Enabled *bool `json:"enabled"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body); err != nil || body.Enabled == nil {
		ctlError(w, http.StatusBadRequest, `send {"enabled": true|false}`)
		return
	}
	s.SetFeature(r.PathValue("name"), *body.Enabled)
	s.ctlFeatures(w, r)
}

// ctlRequests returns the journal, filtered by method, path, operation, status and user_id.
func (s *Server) ctlRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := JournalFilter{Method: strings.ToUpper(q.Get("method")), Path: q.Get("path"), Operation: q.Get("operation")}
	var err error
	for key, dst := range map[string]*int{"status": &f.Status, "user_id": &f.UserID} {
		if v := q.Get(key); v != "" {
			if *dst, err = strconv.Atoi(v); err != nil {
				ctlError(w, http.StatusBadRequest, key+" must be an integer")
				return
			}
		}
	}
	entries := s.journal.list(f)
	writeJSON(w, http.StatusOK, mustJSON(map[string]any{"count": len(entries), "requests": entries}))
}

func (s *Server) ctlClearRequests(w http.ResponseWriter, r *http.Request) {
	s.journal.clear()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, mustJSON(s.faults.all()))
}

// ctlAddFault adds a fault for the next count requests or for a duration from now.
func (s *Server) ctlAddFault(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Fault
		Duration Duration `json:"duration"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		ctlError(w, http.StatusBadRequest, "fault: "+err.Error())
		return
	}
	f := body.Fault
	f.Until = nil
	if body.Duration > 0 {
		until := s.now().UTC().Add(time.Duration(body.Duration))
		f.Until = &until
	}
	if err := f.check(s.ops); err != nil {
		ctlError(w, http.StatusBadRequest, "fault: "+err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, mustJSON(s.faults.add(f)))
}

func (s *Server) ctlClearFaults(w http.ResponseWriter, r *http.Request) {
	s.faults.remove(0)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlDeleteFault(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("fault_id"))
	if err != nil || id <= 0 || !s.faults.remove(id) {
		ctlError(w, http.StatusNotFound, "404 Fault Not Found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ControlOpenAPI is control.yaml, the OpenAPI description of the control API.
//
//go:embed control.yaml
var ControlOpenAPI []byte
