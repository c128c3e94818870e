package contract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// target is the GitLab a command talks to, set up once (openTarget) and used by check (Run),
// inventory (RunInventory) and sweep (Sweep): its root URL, the token, the client (the CA, the
// retries, the redirect guard) and the redactor. Its send is the one way a request goes out.
type target struct {
	root   string // GitLab root URL, as given (a password in it included)
	shown  string // root as printed: without user info
	token  string
	client *Client
	redact *Redactor
	// writeTimeout bounds a write that is finished after Ctrl-C (its answer says what was
	// created, for the cleanup).
	writeTimeout time.Duration
}

// openTarget checks --url and the token and readies the client. secrets are more values the
// redactor hides (a write run's cluster token and CA certificate).
func openTarget(rawURL, token string, client *Client, secrets ...string) (*target, error) {
	root, err := apiRoot(rawURL)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, fmt.Errorf("%w: no token (--token or GITLAB_TOKEN)", ErrUsage)
	}
	if client == nil {
		client = &Client{}
	}
	client.defaults()
	shown := root
	if u, err := url.Parse(root); err == nil && u.User != nil {
		u.User = nil // a password in --url is not shown
		shown = u.String()
	}
	return &target{root: root, shown: shown, token: token, client: client,
		redact: NewRedactor(append([]string{token}, secrets...)...), writeTimeout: 60 * time.Second}, nil
}

// request is one request to GitLab's API.
type request struct {
	Method  string
	APIPath string // escaped path and query, relative to /api/v4
	Body    []byte // JSON, or nil
	// Auth is how the request authenticates: "" or "token" (the run's token), "invalid" (a
	// token GitLab cannot know), "none".
	Auth string
}

// url is where the request goes: only ever under the target's root.
func (t *target) url(req request) string { return t.root + "/api/v4" + req.APIPath }

// header is what every request carries.
func (t *target) header(req request) http.Header {
	h := http.Header{"Accept": {jsonContentType}, "User-Agent": {"glcontract/1"}}
	switch req.Auth {
	case "", "token":
		h.Set("Private-Token", t.token)
	case "invalid":
		h.Set("Private-Token", "glcontract-invalid-token")
	}
	if req.Body != nil {
		h.Set("Content-Type", jsonContentType)
	}
	return h
}

// send is the one way a request goes out, with the rules every command shares: it goes only to
// the target's origin (a redirect elsewhere is a *RedirectError, never followed); GET and HEAD
// are retried on 429 and 5xx, writes never, and a write in flight is finished after Ctrl-C; the
// body read is bounded (Client.do). The error is non-nil without a response (a
// *RedirectError, a canceled context, a transport error: see transportError), or with the last
// response of a read that still got 429 or 5xx after the retries (an *UnavailableError, its URL
// redacted).
func (t *target) send(ctx context.Context, req request) (*response, error) {
	if !idempotent(req.Method) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), t.writeTimeout)
		defer cancel()
	}
	u, header := t.url(req), t.header(req)
	resp, err := t.client.do(ctx, func(ctx context.Context) (*http.Request, error) {
		var body io.Reader
		if req.Body != nil {
			body = bytes.NewReader(req.Body)
		}
		r, err := http.NewRequestWithContext(ctx, req.Method, u, body)
		if err == nil {
			r.Header = header.Clone()
		}
		return r, err
	})
	if err != nil {
		return nil, err
	}
	return resp, unavailable(req.Method, t.redact.url(u), resp)
}

// get is a GET with the token; a response that is not one (no answer, 429 or 5xx after the
// retries) is an error that says why: what the probe, the inventory and the sweep read.
func (t *target) get(ctx context.Context, apiPath string) (*response, error) {
	resp, err := t.send(ctx, request{Method: http.MethodGet, APIPath: apiPath})
	if resp == nil && err != nil {
		return nil, transportError(t.shown, err)
	}
	return resp, err
}
