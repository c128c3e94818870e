package mockserver

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// access is what ServeHTTP learns about one request while it is answered: the handlers fill
// it in, and ServeHTTP writes the log line and the journal entry from it once the answer is
// out, so every request (catch-all, faulted, control API) gets exactly one line.
type access struct {
	http.ResponseWriter
	path      string // the request's escaped path, worked out once
	status    int    // 0 until written; 0 at the end means the connection was dropped
	op        string
	user      int
	fault     bool
	noJournal bool // the control API and the health check are not GitLab requests
}

func (a *access) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *access) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.ResponseWriter.Write(p)
}

// Hijack lets a drop fault close the connection.
func (a *access) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := a.ResponseWriter.(http.Hijacker); ok {
		return hj.Hijack()
	}
	return nil, nil, errors.New("mockserver: connection cannot be hijacked")
}

func (a *access) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// accessOf returns the request's access record; a handler reached without ServeHTTP (never,
// in practice) writes to a throwaway one.
func accessOf(w http.ResponseWriter) *access {
	for {
		switch v := w.(type) {
		case *access:
			return v
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return &access{}
		}
	}
}

// userOf is the id of the user whose valid token the request carries, or 0.
func (s *Server) userOf(r *http.Request) int {
	if tok, e := s.state.Load().authenticate(r); e == nil {
		return tok.user.id
	}
	return 0
}

// finish writes the request's log line and journal entry.
func (s *Server) finish(r *http.Request, a *access, start time.Time) {
	if a.status == 0 && !a.fault {
		a.status = http.StatusOK // a handler that writes nothing sends 200
	}
	path := a.path
	if !a.noJournal {
		s.journal.add(JournalEntry{Time: start.UTC(), Method: r.Method, Path: path, Operation: a.op,
			Status: a.status, UserID: a.user, Fault: a.fault})
	}
	ctx := context.Background()
	if !s.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	// The line says what the journal keeps: method and path cut as there.
	l := requestLine{method: r.Method, path: path, status: a.status, user: a.user, operation: a.op, fault: a.fault,
		durationMS: float64(s.now().Sub(start).Microseconds()) / 1000}
	if len(l.method) > journalMaxMethod {
		l.method, l.truncated = l.method[:journalMaxMethod], true
	}
	if len(l.path) > JournalMaxPath {
		l.path, l.truncated = l.path[:JournalMaxPath], true
	}
	if h, ok := s.log.Handler().(*lineHandler); ok {
		h.request(ctx, &l)
		return
	}
	// Another handler may keep the record: it gets copies, not the request line's memory.
	l.method, _ = method(r.Method)
	l.path, _ = cut(path, JournalMaxPath)
	attrs := l.attrs()
	s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs[:]...)
}
