package contract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client sends the suite's requests. GET and HEAD are retried on 429 and 5xx, honouring
// Retry-After; writes never are, so that a create is never sent twice.
type Client struct {
	HTTP        *http.Client
	MaxAttempts int           // including the first; default 4
	MaxWait     time.Duration // longest single wait; a longer Retry-After ends the retries; default 30s
	BaseDelay   time.Duration // first backoff without Retry-After, doubled each time; default 500ms
	// sleep waits between attempts (default: a timer that stops on ctx); tests replace it
	// through SetSleep (export_test.go).
	sleep func(ctx context.Context, d time.Duration) error
	// Notify, when set, is told about waits a user would otherwise sit through in silence: a
	// retry and its wait, a request slower than SlowAfter (default 2s).
	Notify    func(msg string)
	SlowAfter time.Duration

	now     func() time.Time // the clock Retry-After dates are read against; tests set it
	guarded *http.Client     // HTTP with the redirect guard
}

// response is a read response: its body is fully read and the connection released.
type response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
	Waited   time.Duration
	GaveUp   bool // the server asked (Retry-After) for a longer wait than MaxWait
}

func (c *Client) defaults() {
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 4
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 30 * time.Second
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = 500 * time.Millisecond
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.SlowAfter <= 0 {
		c.SlowAfter = 2 * time.Second
	}
	if c.guarded == nil {
		g := *c.HTTP
		g.CheckRedirect = sameOriginOnly(c.HTTP.CheckRedirect)
		c.guarded = &g
	}
}

// RedirectError stops a run whose target redirected a request to another origin: the
// request carries the token (and, for a write, the cluster token and CA certificate), and
// glcontract sends them only to the origin of --url. It is never followed.
type RedirectError struct {
	Status   int      // the redirect's status, when known
	From, To *url.URL // the request redirected and where to
}

func (e *RedirectError) Error() string {
	from := origin(e.From)
	msg := fmt.Sprintf("the target redirected %s to %s; glcontract sends your token only to %s and did not follow it",
		redactURL(e.From), redactURL(e.To), from)
	if e.From.Scheme == "http" && e.To.Scheme == "https" && e.From.Hostname() == e.To.Hostname() {
		msg += fmt.Sprintf(": use the https URL, --url %s", strings.TrimSuffix(redactURL(rootOf(e.To)), "/"))
	}
	return msg
}

// origin is scheme://host[:port] of u, as written.
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

// hostPort is u's host with its port made explicit, so that http://h and http://h:80 are one origin.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return u.Host + ":80"
	case "https":
		return u.Host + ":443"
	}
	return u.Host
}

// rootOf is u without its /api/v4 path, query and fragment: what --url should be.
func rootOf(u *url.URL) *url.URL {
	c := *u
	p, _, _ := strings.Cut(c.Path, "/api/v4")
	c.Path, c.RawPath, c.RawQuery, c.Fragment, c.User = p, "", "", "", nil
	return &c
}

// redactURL drops credentials a URL may carry (user info, a private_token query).
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if q := c.Query(); q.Has("private_token") {
		q.Set("private_token", redacted)
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// sameOriginOnly follows a redirect only within the origin of the first request (same scheme,
// host and port: never https to http, never to another host). Following there is safe: the
// token, and for 307/308 the body, go back to the server they were meant for.
func sameOriginOnly(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if !strings.EqualFold(first.Scheme, req.URL.Scheme) || !strings.EqualFold(hostPort(first), hostPort(req.URL)) {
			e := &RedirectError{From: via[len(via)-1].URL, To: req.URL}
			if req.Response != nil {
				e.Status = req.Response.StatusCode
			}
			return e
		}
		if len(via) >= 10 {
			return fmt.Errorf("stopped after 10 redirects (from %s)", redactURL(first))
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// idempotent requests may be retried.
func idempotent(method string) bool { return method == http.MethodGet || method == http.MethodHead }

func retryable(status int) bool { return status == http.StatusTooManyRequests || status >= 500 }

// do sends a request built by newReq (called once per attempt) and reads the whole response.
func (c *Client) do(ctx context.Context, newReq func(context.Context) (*http.Request, error)) (*response, error) {
	c.defaults()
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		req, err := newReq(ctx)
		if err != nil {
			return nil, err
		}
		started := time.Now() // the wall clock: Now may be a test's fixed time
		resp, err := c.guarded.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if took := time.Since(started); took > c.SlowAfter {
			c.notify("%s %s took %s (answered %d)", req.Method, redactURL(req.URL), took.Round(100*time.Millisecond), resp.StatusCode)
		}
		out := &response{Status: resp.StatusCode, Header: resp.Header, Body: body, Attempts: attempt, Waited: waited}
		if !idempotent(req.Method) || !retryable(resp.StatusCode) || attempt >= c.MaxAttempts {
			return out, nil
		}
		wait, ok := c.retryAfter(resp.Header.Get("Retry-After"))
		if !ok {
			wait = c.BaseDelay << (attempt - 1)
		}
		if wait > c.MaxWait {
			out.GaveUp = true
			return out, nil // the server asks for longer than we wait: report what we got
		}
		c.notify("%s %s answered %d: retry %d of %d in %s", req.Method, redactURL(req.URL), resp.StatusCode, attempt, c.MaxAttempts-1, wait)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
		waited += wait
	}
}

func (c *Client) notify(format string, args ...any) {
	if c.Notify != nil {
		c.Notify(fmt.Sprintf(format, args...))
	}
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func (c *Client) retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(c.now())
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// isCanceled reports whether err comes from a canceled or expired context.
func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
