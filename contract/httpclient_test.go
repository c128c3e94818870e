package contract

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClientRetries(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name       string
		method     string
		statuses   []int  // answers in order; the last repeats
		retryAfter string // on the failing answers
		wantStatus int
		wantCalls  int32
		wantWaits  []time.Duration
	}{
		{"GET 503 with Retry-After seconds", "GET", []int{503, 200}, "2", 200, 2, []time.Duration{2 * time.Second}},
		{"GET 429 with Retry-After date", "GET", []int{429, 429, 200}, now.Add(3 * time.Second).Format(http.TimeFormat), 200, 3, []time.Duration{3 * time.Second, 3 * time.Second}},
		{"GET 500 without Retry-After backs off", "GET", []int{500, 502, 200}, "", 200, 3, []time.Duration{500 * time.Millisecond, time.Second}},
		{"GET gives up after MaxAttempts", "GET", []int{503}, "1", 503, 4, []time.Duration{time.Second, time.Second, time.Second}},
		{"GET does not wait longer than MaxWait", "GET", []int{503}, "3600", 503, 1, nil},
		{"HEAD is retried", "HEAD", []int{503, 200}, "1", 200, 2, []time.Duration{time.Second}},
		{"POST is never retried", "POST", []int{503, 201}, "1", 503, 1, nil},
		{"PUT is never retried", "PUT", []int{429, 200}, "1", 429, 1, nil},
		{"DELETE is never retried", "DELETE", []int{500, 204}, "", 500, 1, nil},
		{"GET 404 is not retried", "GET", []int{404, 200}, "", 404, 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				if n >= len(tc.statuses) {
					n = len(tc.statuses) - 1
				}
				if tc.statuses[n] >= 429 && tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.statuses[n])
			}))
			defer srv.Close()
			var waits []time.Duration
			c := &Client{
				now:   func() time.Time { return now },
				sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil },
			}
			resp, err := c.do(context.Background(), func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, tc.method, srv.URL, nil)
			})
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, resp.Status)
			require.Equal(t, tc.wantCalls, calls.Load())
			require.Equal(t, tc.wantWaits, waits)
			require.Equal(t, int(tc.wantCalls), resp.Attempts)
		})
	}
}

func TestClientStopsWaitingOnCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(503)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := &Client{}
	_, err := c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	})
	require.ErrorIs(t, err, context.Canceled)
}
