package mockserver

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/glclusters/clustersapi/mockserver/internal/paging"
	"github.com/glclusters/clustersapi/mockserver/internal/seed"
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

// admin lets only an administrator's token through. Writes and secrets need the api scope;
// an admin token with only read_api may read (the state redacted, the journal, flags, faults).
func (s *Server) admin(h func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := accessOf(w)
		a.noJournal = true
		tok, e := s.state.Load().authenticate(r) // refuses a read_api token's writes
		if e != nil {
			writeError(w, e)
			return
		}
		a.user = tok.user.id
		if !tok.user.admin {
			ctlError(w, http.StatusForbidden, "403 Forbidden - the mock's control API needs an administrator's token (the default seed's root-token)")
			return
		}
		if tok.readOnly && r.URL.Query().Get("secrets") != "" {
			writeError(w, errInsufficientScope)
			return
		}
		h(w, r)
	})
}

func ctlError(w http.ResponseWriter, status int, msg string) {
	writeError(w, messageError(status, msg))
}

// ctlReset returns to the start: the seed's state, an empty journal and no faults, as
// WireMock's reset does; ?keep=journal,faults keeps either.
func (s *Server) ctlReset(w http.ResponseWriter, r *http.Request) {
	keep := map[string]bool{}
	for _, k := range strings.Split(r.URL.Query().Get("keep"), ",") {
		if k = strings.TrimSpace(k); k != "" && k != "journal" && k != "faults" {
			ctlError(w, http.StatusBadRequest, "keep: "+strconv.Quote(k)+" is not journal or faults")
			return
		}
		keep[k] = true
	}
	if err := s.Reset(nil); err != nil {
		writeError(w, errInternal) // the path and OS error are in the log
		return
	}
	if !keep["journal"] {
		s.ClearRequests()
	}
	if !keep["faults"] {
		s.ClearFaults()
	}
	w.WriteHeader(http.StatusNoContent)
}

// ctlExport returns the state as a seed. Access tokens and cluster tokens are redacted unless
// ?secrets=true; redacted access tokens stay unique, so the export still loads.
func (s *Server) ctlExport(w http.ResponseWriter, r *http.Request) {
	seed := s.Export()
	if r.URL.Query().Get("secrets") != "true" {
		seed.Redact()
	}
	// Written as it is encoded: a million clusters are not also held as one JSON document.
	w.Header()["Content-Type"] = contentTypeJSON
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	if seed.WriteJSON(bw) == nil {
		bw.Flush()
	}
}

// Bounds of PUT /-/mock/state's body. JSON is decoded as it arrives, so memory follows the
// clusters decoded, not the text; YAML is read whole before it is decoded, as before.
var seedBodyLimits = struct{ json, yaml int64 }{json: 1 << 30, yaml: 64 << 20}

// seedTooLarge is the 413's message, saying both bounds.
func seedTooLarge() string {
	return fmt.Sprintf("seed too large (%d MiB at most as JSON, %d MiB as YAML)", seedBodyLimits.json>>20, seedBodyLimits.yaml>>20)
}

func (s *Server) ctlLoad(w http.ResponseWriter, r *http.Request) {
	loaded, err := seed.ReadLimited(http.MaxBytesReader(w, r.Body, seedBodyLimits.json), seedBodyLimits.yaml)
	if err != nil {
		var se *SeedError
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge) || errors.Is(err, seed.ErrYAMLTooLarge):
			ctlError(w, http.StatusRequestEntityTooLarge, seedTooLarge())
		case errors.As(err, &se):
			ctlError(w, http.StatusBadRequest, err.Error())
		default: // the client went away or the body broke off
			ctlError(w, http.StatusBadRequest, "seed: reading the body: "+err.Error())
		}
		return
	}
	if err := s.Reset(loaded); err != nil {
		var se *SeedError
		if errors.As(err, &se) {
			ctlError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeError(w, errInternal) // the path and OS error are in the log
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
	if err := CheckFeature(r.PathValue("name")); err != nil {
		ctlError(w, http.StatusNotFound, err.Error())
		return
	}
	s.SetFeature(r.PathValue("name"), *body.Enabled)
	s.ctlFeatures(w, r)
}

// Pages of GET /-/mock/requests: the default and the largest limit (as control.yaml says).
const (
	requestsDefaultLimit = 100
	requestsMaxLimit     = 1000
)

// ctlRequests returns the journal, filtered by method, path, operation, status and user_id,
// a page of at most limit entries after the entry numbered after. count is every match; when
// more follow, next_after and a Link header (rel="next") give the next page.
func (s *Server) ctlRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := JournalFilter{Method: strings.ToUpper(q.Get("method")), Path: q.Get("path"), Operation: q.Get("operation")}
	if err := checkMatch(s.ops, f.Operation, f.Path); err != nil {
		ctlError(w, http.StatusBadRequest, "requests: "+err.Error())
		return
	}
	limit := requestsDefaultLimit
	var err error
	for key, dst := range map[string]*int{"status": &f.Status, "user_id": &f.UserID, "after": &f.After, "limit": &limit} {
		if v := q.Get(key); v != "" {
			if *dst, err = strconv.Atoi(v); err != nil || *dst < 0 {
				ctlError(w, http.StatusBadRequest, key+" must be a non-negative integer")
				return
			}
		}
	}
	if limit < 1 || limit > requestsMaxLimit {
		ctlError(w, http.StatusBadRequest, "limit must be between 1 and "+strconv.Itoa(requestsMaxLimit))
		return
	}
	count, entries := s.journal.list(f, limit)
	body := map[string]any{"count": count, "requests": entries}
	if len(entries) < count {
		next := entries[len(entries)-1].Seq
		body["next_after"] = next
		q.Del("private_token") // a token never goes into a link
		q.Del("access_token")
		q.Set("after", strconv.Itoa(next))
		q.Set("limit", strconv.Itoa(limit))
		w.Header().Set("Link", `<`+paging.RequestScheme(r)+"://"+r.Host+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, mustJSON(body))
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
	if err := f.check(s.ops, "duration"); err != nil {
		ctlError(w, http.StatusBadRequest, "fault: "+err.Error())
		return
	}
	added, err := s.faults.add(f)
	if err != nil {
		ctlError(w, http.StatusBadRequest, "fault: "+err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, mustJSON(added))
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
