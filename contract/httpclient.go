package contract

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Client sends the suite's requests. GET and HEAD are retried on 429 and 5xx, honouring
// Retry-After; writes never are, so that a create is never sent twice.
type Client struct {
	HTTP        *http.Client
	MaxAttempts int                                              // including the first; default 4
	MaxWait     time.Duration                                    // longest single wait; a longer Retry-After ends the retries; default 30s
	BaseDelay   time.Duration                                    // first backoff without Retry-After, doubled each time; default 500ms
	Sleep       func(ctx context.Context, d time.Duration) error // injectable for tests
	Now         func() time.Time
}

// response is a read response: its body is fully read and the connection released.
type response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
	Waited   time.Duration
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
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.Now == nil {
		c.Now = time.Now
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

// Do sends a request built by newReq (called once per attempt) and reads the whole response.
func (c *Client) Do(ctx context.Context, newReq func(context.Context) (*http.Request, error)) (*response, error) {
	c.defaults()
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		req, err := newReq(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
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
			return out, nil // the server asks for longer than we wait: report what we got
		}
		if err := c.Sleep(ctx, wait); err != nil {
			return nil, err
		}
		waited += wait
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
		d := t.Sub(c.Now())
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
