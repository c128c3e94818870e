package mockserver

import (
	"net/http"
	"strings"

	"github.com/glclusters/clustersapi/mockserver/internal/grape"
)

// GitLab's Rack middleware Gitlab::Middleware::HandleMalformedStrings answers 400 text/plain
// "Bad Request" before routing (grape.Malformed says when).

var badRequestBody = []byte("Bad Request")

// rejectMalformed answers for the middleware and reports whether it did. The body, when
// there is one to check, is read here and handed on unchanged.
func (s *Server) rejectMalformed(w http.ResponseWriter, r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, ControlPrefix) || !grape.Malformed(r, MaxBodyBytes) {
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
