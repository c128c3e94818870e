package mockserver

import (
	"bytes"
	"net/http"
	"strconv"
)

// apiError is a GitLab error response: a status and its exact JSON body.
type apiError struct {
	status int
	body   []byte
}

func (e *apiError) Error() string { return strconv.Itoa(e.status) + " " + string(e.body) }

// messageError is {"message": "..."}, what GitLab's not_found!, forbidden! and friends render.
func messageError(status int, msg string) *apiError {
	return &apiError{status, mustJSON(map[string]string{"message": msg})}
}

// paramError is {"error": "..."}, Grape's rendering of parameter errors and unknown routes.
func paramError(status int, msg string) *apiError {
	return &apiError{status, mustJSON(map[string]string{"error": msg})}
}

// validationError is {"message": {"field": ["..."]}}, render_validation_error!, keys in order.
func validationError(e *fieldErrors) *apiError {
	var b bytes.Buffer
	b.WriteString(`{"message":{`)
	for i, k := range e.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(mustJSON(k))
		b.WriteByte(':')
		b.Write(mustJSON(e.msgs[k]))
	}
	b.WriteString(`}}`)
	return &apiError{http.StatusBadRequest, b.Bytes()}
}

var (
	errUnauthorized          = messageError(http.StatusUnauthorized, "401 Unauthorized")
	errNoToken               = messageError(http.StatusUnauthorized, "401 Unauthorized") // the same answer; a route may let anonymous users in instead
	errNamespaceNotFound     = messageError(http.StatusNotFound, "404 Namespace Not Found")
	errUserNotFound          = messageError(http.StatusNotFound, "404 User Not Found")
	errNotAuthorized         = messageError(http.StatusForbidden, "403 Forbidden - Not authorized!")
	errForbidden             = messageError(http.StatusForbidden, "403 Forbidden")
	errProjectNotFound       = messageError(http.StatusNotFound, "404 Project Not Found")
	errGroupNotFound         = messageError(http.StatusNotFound, "404 Group Not Found")
	errNotFound              = messageError(http.StatusNotFound, "404 Not Found") // not_found! without a resource: the feature flag
	errRecordNotFound        = messageError(http.StatusNotFound, "404 Not found") // ActiveRecord::RecordNotFound
	errPrecondition          = messageError(http.StatusPreconditionFailed, "412 Precondition Failed")
	errRouteNotFound         = paramError(http.StatusNotFound, "404 Not Found")
	errMethodNotAllowed      = paramError(http.StatusMethodNotAllowed, "405 Not Allowed")
	errTooLarge              = messageError(http.StatusRequestEntityTooLarge, "413 Request Entity Too Large")
	errBadBody               = paramError(http.StatusBadRequest, "message body does not match declared format")
	errInternal              = messageError(http.StatusInternalServerError, "500 Internal Server Error")
	errInsufficientScope     = insufficientScope("api")
	errInsufficientSudoScope = insufficientScope("sudo")
)

// insufficientScope is the API guard's answer to a token without the scope a request needs.
func insufficientScope(scope string) *apiError {
	return &apiError{http.StatusForbidden, mustJSON(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Scope       string `json:"scope"`
	}{"insufficient_scope", "The request requires higher privileges than provided by the access token.", scope})}
}

// writeJSON sends a JSON body with exactly the content type GitLab sends.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	if len(body) >= autoContentLength {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(status)
	w.Write(body)
}

var contentTypeJSON = []string{"application/json"}

// autoContentLength: net/http sends the same Content-Length header itself for a body it
// buffered whole (at most its 2048-byte buffer, written before the handler returns); the mock
// sets it for longer bodies, which net/http would otherwise send chunked.
const autoContentLength = 2048

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, e.body)
}
