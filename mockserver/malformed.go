package mockserver

import (
	"net/http"

	"github.com/glclusters/clustersapi/mockserver/internal/grape"
)

// GitLab's Rack middleware Gitlab::Middleware::HandleMalformedStrings answers 400 text/plain
// "Bad Request" before routing (grape.Malformed says when).

var badRequestBody = []byte("Bad Request")

// rejectMalformed answers for the middleware and reports whether it did.
func (s *Server) rejectMalformed(w http.ResponseWriter, r *http.Request, body grape.Body) bool {
	if !grape.Malformed(r, body, MaxBodyBytes) {
		return false
	}
	s.journal.add(JournalEntry{Time: s.now().UTC(), Method: r.Method, Path: r.URL.EscapedPath(), Status: http.StatusBadRequest})
	h := w.Header()
	h["Content-Type"] = []string{"text/plain"}
	h["Content-Length"] = []string{"11"}
	w.WriteHeader(http.StatusBadRequest)
	w.Write(badRequestBody)
	return true
}
