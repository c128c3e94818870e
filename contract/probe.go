package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Errors that end a run before it can judge anything (exit 2), besides ErrUsage and ErrUnreachable.
var (
	ErrNotGitLab   = errors.New("not a GitLab API")
	ErrUnavailable = errors.New("target unavailable")
)

// UnavailableError is a read that still got 429 or 5xx when the retry budget ran out: the
// target is down or overloaded, which says nothing about its API.
type UnavailableError struct {
	Request    string // METHOD URL, redacted
	Status     int
	Tries      int
	Waited     time.Duration
	RetryAfter string // the last Retry-After, when the server asked for longer than glcontract waits
}

func (e *UnavailableError) Error() string {
	msg := fmt.Sprintf("%v: %s answered %d %s %d time(s)", ErrUnavailable, e.Request, e.Status, http.StatusText(e.Status), e.Tries)
	if e.Waited > 0 {
		msg += fmt.Sprintf(" (retried for %s)", e.Waited)
	}
	if e.RetryAfter != "" {
		msg += fmt.Sprintf(", and asked to wait %s (Retry-After), longer than glcontract waits", e.RetryAfter)
	}
	return msg + "; try again when the instance is healthy"
}

func (e *UnavailableError) Unwrap() error { return ErrUnavailable }

// unavailable returns the error for a read whose last answer was 429 or 5xx, else nil.
func unavailable(method, url string, resp *response) error {
	if !idempotent(method) || !retryable(resp.Status) {
		return nil
	}
	e := &UnavailableError{Request: method + " " + url, Status: resp.Status, Tries: resp.Attempts, Waited: resp.Waited}
	if resp.GaveUp {
		e.RetryAfter = resp.Header.Get("Retry-After")
	}
	return e
}

// probe asks /api/v4/version before any scenario, so that a wrong --url (a path GitLab is not
// at, a server that is not GitLab) is told apart from "GitLab without the clusters API".
// GitLab answers 200 with its version, or, to a token it does not accept, 401 with its own body.
func (t *target) probe(ctx context.Context) error {
	u := t.shown + "/api/v4/version"
	resp, err := t.get(ctx, "/version")
	if err != nil {
		return err
	}
	if looksLikeGitLab(resp) {
		return nil
	}
	got := fmt.Sprintf("%d", resp.Status)
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		got += " (" + ct + ")"
	}
	return fmt.Errorf("%w: %s answered %s, not GitLab's version JSON or its 401. --url must be the URL GitLab is served at, "+
		"the one its web UI opens with (https://gitlab.example.com, or https://example.com/gitlab when GitLab is installed under a path); "+
		"check the path of %s", ErrNotGitLab, u, got, t.shown)
}

// looksLikeGitLab: 200 with {"version": "...", ...}, 401 {"message":"401 Unauthorized"}, or
// 403 for a token without the scope ({"error":"insufficient_scope", ...}).
func looksLikeGitLab(resp *response) bool {
	var body map[string]any
	if json.Unmarshal(resp.Body, &body) != nil {
		return false
	}
	switch resp.Status {
	case http.StatusOK:
		v, ok := body["version"].(string)
		return ok && v != ""
	case http.StatusUnauthorized:
		return body["message"] == "401 Unauthorized"
	case http.StatusForbidden:
		return body["error"] == "insufficient_scope"
	}
	return false
}

// transportError explains a request that got no response.
func transportError(target string, err error) error {
	var redir *RedirectError
	switch {
	case isCanceled(err):
		return err
	case errors.As(err, &redir):
		return redir
	}
	msg := err.Error()
	if strings.Contains(msg, "server gave HTTP response to HTTPS client") {
		msg += "; the target speaks plain http on this port: use an http:// --url, or the port it serves https on"
	}
	if strings.Contains(msg, "x509:") || strings.Contains(msg, "tls: failed to verify certificate") {
		msg += "; if the instance uses a private CA, pass it with --ca-cert FILE (PEM) or SSL_CERT_FILE=FILE"
	}
	return fmt.Errorf("%w: %s: %s", ErrUnreachable, target, msg)
}
