package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixedTime is slog's own handler with the record's time set, so that its lines can be
// compared byte for byte with the fast path's under the same clock.
type fixedTime struct {
	slog.Handler
	now func() time.Time
}

func (f fixedTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = f.now()
	return f.Handler.Handle(ctx, r)
}

func (f fixedTime) WithAttrs(as []slog.Attr) slog.Handler {
	return fixedTime{f.Handler.WithAttrs(as), f.now}
}

func (f fixedTime) WithGroup(name string) slog.Handler {
	return fixedTime{f.Handler.WithGroup(name), f.now}
}

// slogHandler is the handler NewLogHandler's output must match: slog's, for format.
func slogHandler(t *testing.T, w *bytes.Buffer, format string) slog.Handler {
	t.Helper()
	switch format {
	case "json":
		return slog.NewJSONHandler(w, nil)
	case "text":
		return slog.NewTextHandler(w, nil)
	}
	t.Fatalf("no format %q", format)
	return nil
}

// fastHandler is NewLogHandler's handler with its clock set, for the request lines and for
// the lines it leaves to slog.
func fastHandler(t *testing.T, w *bytes.Buffer, format string, now func() time.Time) *lineHandler {
	t.Helper()
	h, err := NewLogHandler(w, format, nil)
	require.NoError(t, err)
	lh := h.(*lineHandler)
	lh.now, lh.slog = now, fixedTime{lh.slog, now}
	return lh
}

// TestRequestLineIsSlogs: the request line appended directly is, byte for byte, the line
// slog's JSONHandler and TextHandler write for the same attributes at the same time, over
// awkward values: escapes, control characters, invalid UTF-8, unicode slog escapes or
// quotes, long paths, zero and extreme numbers, times in other zones and at the edges.
func TestRequestLineIsSlogs(t *testing.T) {
	base := requestLine{method: "GET", path: "/api/v4/projects/1/clusters", status: 200, user: 3,
		operation: "getApiV4ProjectsIdClusters", durationMS: 0.123}
	with := func(f func(*requestLine)) requestLine { l := base; f(&l); return l }
	lines := map[string]requestLine{
		"plain":                base,
		"quote and backslash":  with(func(l *requestLine) { l.path = `/a"b\c` }),
		"control characters":   with(func(l *requestLine) { l.path = "/\x00\x01\b\f\n\r\t\x1b\x1f\x7f/x" }),
		"invalid UTF-8":        with(func(l *requestLine) { l.path = "/\xff\xfe/\xe2\x82/\xc3" }),
		"unicode":              with(func(l *requestLine) { l.path = "/é/日本/🙂/Ω" }),
		"line separators":      with(func(l *requestLine) { l.path = "/\u2028/\u2029/\u0085" }),
		"unicode spaces":       with(func(l *requestLine) { l.path = "/a\u00a0b/\u3000/\u200b/\ufeff" }),
		"space and equals":     with(func(l *requestLine) { l.path = "/a b/c=d" }),
		"html characters":      with(func(l *requestLine) { l.path = "/<script>&amp;'" }),
		"percent escapes":      with(func(l *requestLine) { l.path = "/api/v4/projects/a%2Fb/%22%20" }),
		"empty strings":        with(func(l *requestLine) { l.method, l.path, l.operation = "", "", "" }),
		"long path":            with(func(l *requestLine) { l.path = "/" + strings.Repeat("abcdefgh", JournalMaxPath/8); l.truncated = true }),
		"odd method":           with(func(l *requestLine) { l.method = `PRO"P FIND` }),
		"status 0, fault":      with(func(l *requestLine) { l.status, l.fault, l.operation = 0, true, "" }),
		"big numbers":          with(func(l *requestLine) { l.status, l.user = math.MaxInt64, math.MinInt64 }),
		"duration 0":           with(func(l *requestLine) { l.durationMS = 0 }),
		"duration 1 µs":        with(func(l *requestLine) { l.durationMS = 0.001 }),
		"duration whole":       with(func(l *requestLine) { l.durationMS = 42 }),
		"duration 1000 s":      with(func(l *requestLine) { l.durationMS = 1e6 }),
		"duration long":        with(func(l *requestLine) { l.durationMS = 123456.789 }),
		"duration below 1e-6":  with(func(l *requestLine) { l.durationMS = 1.5e-7 }),
		"duration from 1e21":   with(func(l *requestLine) { l.durationMS = 2.5e21 }),
		"duration negative":    with(func(l *requestLine) { l.durationMS = -0.25 }),
		"duration 1e-10":       with(func(l *requestLine) { l.durationMS = 1e-10 }),
		"duration max float64": with(func(l *requestLine) { l.durationMS = math.MaxFloat64 }),
	}
	ist := time.FixedZone("IST", 5*3600+1800)
	times := map[string]time.Time{
		"UTC nanoseconds":              time.Date(2026, 11, 29, 12, 1, 47, 123456789, time.UTC),
		"UTC whole second":             time.Date(2026, 11, 29, 12, 1, 47, 0, time.UTC),
		"trailing zeros":               time.Date(2026, 11, 29, 12, 1, 47, 120000000, time.UTC),
		"just below a second":          time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC),
		"zone +05:30":                  time.Date(2026, 1, 2, 3, 4, 5, 6000, ist),
		"zone -08:00":                  time.Date(2026, 1, 2, 3, 4, 5, 999500000, time.FixedZone("PST", -8*3600)),
		"local":                        time.Now(),
		"year 9999":                    time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		"year 10000":                   time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		"year 5":                       time.Date(5, 6, 7, 8, 9, 10, 11, time.UTC),
		"year 0 in +05:30":             time.Date(0, 1, 1, 0, 0, 0, 1, ist),
		"year 10000 in UTC, 9999 here": time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("W", -3600)),
		"year -1":                      time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, format := range []string{"json", "text"} {
		for lname, l := range lines {
			for tname, at := range times {
				t.Run(format+"/"+lname+"/"+tname, func(t *testing.T) {
					var want, got bytes.Buffer
					r := slog.NewRecord(at, slog.LevelInfo, "request", 0)
					a := l.attrs()
					r.AddAttrs(a[:]...)
					require.NoError(t, slogHandler(t, &want, format).Handle(context.Background(), r))
					fastHandler(t, &got, format, func() time.Time { return at }).request(context.Background(), &l)
					assert.Equal(t, want.String(), got.String())
				})
			}
		}
	}
}

// TestRequestLineTimesInSequence: one handler, times one after the other (the same second
// again, the same instant in another zone, the next second, back, the year's edge): each line's
// time is slog's, whatever the handler formatted before.
func TestRequestLineTimesInSequence(t *testing.T) {
	at := time.Date(2026, 11, 29, 23, 59, 59, 100, time.UTC)
	ist := time.FixedZone("IST", 5*3600+1800)
	sequence := []time.Time{at, at.Add(5 * time.Millisecond), at.Add(999999800), at.In(ist), at.Add(time.Millisecond).In(ist),
		at.Add(time.Second), at.Add(time.Second + 1), at, time.Date(9999, 12, 31, 23, 59, 59, 5, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 5, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 5, time.UTC), at.Local()}
	l := requestLine{method: "GET", path: "/", status: 200, operation: "op", durationMS: 1}
	for _, format := range []string{"json", "text"} {
		var got bytes.Buffer
		i := 0
		h := fastHandler(t, &got, format, func() time.Time { return sequence[i] })
		for i = range sequence {
			var want bytes.Buffer
			r := slog.NewRecord(sequence[i], slog.LevelInfo, "request", 0)
			a := l.attrs()
			r.AddAttrs(a[:]...)
			require.NoError(t, slogHandler(t, &want, format).Handle(context.Background(), r))
			got.Reset()
			h.request(context.Background(), &l)
			assert.Equal(t, want.String(), got.String(), "%s, time %d", format, i)
		}
	}
}

// TestServerRequestLineIsSlogs drives Servers through ServeHTTP with awkward requests, one
// logging through NewLogHandler, the other through slog's handler, on the same stepping
// clock: their logs are the same bytes, request lines and the panic line alike.
func TestServerRequestLineIsSlogs(t *testing.T) {
	requests := []struct{ method, target, token, body string }{
		{"GET", "/api/v4/projects/1/clusters", "maintainer-token", ""},
		{"GET", "/api/v4/projects/1/clusters/18", "developer-token", ""},
		{"POST", "/api/v4/projects/2/clusters/user", "maintainer-token", `{"name":"n","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`},
		{"GET", "/api/v4/nowhere?private_token=maintainer-token", "", ""},
		{"GET", "/api/v4/%22quoted%22/%5C/%E6%97%A5%E6%9C%AC/%FF", "", ""},
		{"GET", "/api/v4/" + strings.Repeat("long/", JournalMaxPath/4), "", ""},
		{"GET", "/api/v4/projects/1/clusters/%E2%80%A8", "maintainer-token", ""},
		{"PROPFIND-WITH-A-VERY-LONG-METHOD-NAME-BEYOND-32", "/api/v4/projects/1/clusters", "", ""},
		{"DELETE", "/-/mock/faults", "", ""},
		{"GET", "/-/health", "", ""},
		{"GET", "/api/v4/boom", "", ""},
	}
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var want, got bytes.Buffer
			serve := func(h slog.Handler, now func() time.Time) {
				s, err := New(WithLogger(slog.New(h)))
				require.NoError(t, err)
				s.now = now
				s.mux.HandleFunc("GET /api/v4/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
				for _, rq := range requests {
					r := httptest.NewRequest("GET", rq.target, strings.NewReader(rq.body))
					r.Method = rq.method
					if rq.token != "" {
						r.Header.Set("PRIVATE-TOKEN", rq.token)
					}
					if rq.body != "" {
						r.Header.Set("Content-Type", "application/json")
					}
					s.ServeHTTP(httptest.NewRecorder(), r)
				}
			}
			serve(fixedTime{slogHandler(t, &want, format), steppingClock()}, steppingClock())
			serve(fastHandler(t, &got, format, steppingClock()), steppingClock())
			// The panic line carries a stack naming different goroutines; compare it without.
			wantLines, gotLines := strings.Split(want.String(), "\n"), strings.Split(got.String(), "\n")
			require.Len(t, gotLines, len(wantLines))
			require.Len(t, wantLines, len(requests)+2, "a line per request, the panic's, and the final newline")
			for i := range wantLines {
				w, g := wantLines[i], gotLines[i]
				if strings.Contains(w, "handler panic") {
					w, g = w[:strings.Index(w, "stack")], g[:strings.Index(g, "stack")]
				}
				assert.Equal(t, w, g, "line %d", i)
			}
			assert.NotContains(t, got.String(), "-token", "no token in the log")
		})
	}
}

// steppingClock starts at a fixed time and moves on 1.234567 ms at each reading, so that
// durations are not all zero.
func steppingClock() func() time.Time {
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	return func() time.Time { at = at.Add(1234567 * time.Nanosecond); return at }
}

// TestLogHandlerIsSlogsForOtherLines: the lines a Server does not write through the fast
// path (glmock's start-up line, errors, a logger With attributes) are slog's, to the same
// writer; the level holds for both.
func TestLogHandlerIsSlogsForOtherLines(t *testing.T) {
	var want, got bytes.Buffer
	at := time.Date(2026, 11, 29, 12, 0, 0, 5, time.UTC)
	clock := func() time.Time { return at }
	wantLog := slog.New(fixedTime{slog.NewJSONHandler(&want, nil), clock})
	gotLog := slog.New(fastHandler(t, &got, "json", clock))
	for _, l := range []*slog.Logger{wantLog, gotLog} {
		l.Info("glmock", "gitlab_version", "18.10.0", "clusters_api", true, "max_clusters", 10000)
		l.Error("state file not written", "path", "/tmp/x", "error", "no space left on device")
		l.With("component", "x").WithGroup("g").Warn("grouped", "k", 1)
		l.Debug("not written")
	}
	assert.Equal(t, want.String(), got.String())
	assert.Equal(t, 3, strings.Count(got.String(), "\n"))

	var quiet bytes.Buffer
	h, err := NewLogHandler(&quiet, "text", slog.LevelWarn)
	require.NoError(t, err)
	s, err := New(WithLogger(slog.New(h)))
	require.NoError(t, err)
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/-/health", nil))
	slog.New(h).Warn("kept")
	assert.Equal(t, 1, strings.Count(quiet.String(), "\n"), "level Warn: no request line, the warning kept: %s", quiet.String())
	assert.Contains(t, quiet.String(), "level=WARN msg=kept")

	_, err = NewLogHandler(&quiet, "xml", nil)
	var ce *ConfigError
	require.True(t, errors.As(err, &ce), "an unknown format is a ConfigError: %v", err)
	assert.Equal(t, `log format "xml": use json or text`, err.Error())
}

// TestLogLinesNeverInterleave: request lines and slog's lines written from many goroutines at
// once reach the writer whole, one line a Write.
func TestLogLinesNeverInterleave(t *testing.T) {
	w := &writes{}
	h, err := NewLogHandler(w, "json", nil)
	require.NoError(t, err)
	s, err := New(WithLogger(slog.New(h)))
	require.NoError(t, err)
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/api/v4/g%d/%d", g, i), nil))
				s.log.Info("other", "g", g, "i", i)
			}
		}(g)
	}
	wg.Wait()
	require.Len(t, w.calls, 2*goroutines*each)
	requests := 0
	for _, c := range w.calls {
		require.Equal(t, 1, strings.Count(c, "\n"), "one line a Write: %q", c)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(c), &m), c)
		if m["msg"] == "request" {
			requests++
		}
	}
	assert.Equal(t, goroutines*each, requests)
}

// writes records each Write; it is not safe for concurrent use, so the race detector catches
// a handler that writes without its lock.
type writes struct{ calls []string }

func (w *writes) Write(p []byte) (int, error) {
	w.calls = append(w.calls, string(p))
	return len(p), nil
}

// BenchmarkRequestLine: one request line through slog's handler and through NewLogHandler's,
// to io.Discard.
func BenchmarkRequestLine(b *testing.B) {
	l := requestLine{method: "GET", path: "/api/v4/projects/1/clusters", status: 200, user: 3,
		operation: "getApiV4ProjectsIdClusters", durationMS: 0.123}
	ctx := context.Background()
	for _, format := range []string{"json", "text"} {
		var std slog.Handler = slog.NewJSONHandler(io.Discard, nil)
		if format == "text" {
			std = slog.NewTextHandler(io.Discard, nil)
		}
		b.Run(format+"/slog", func(b *testing.B) {
			log := slog.New(std)
			b.ReportAllocs()
			for b.Loop() {
				a := l.attrs()
				log.LogAttrs(ctx, slog.LevelInfo, "request", a[:]...)
			}
		})
		b.Run(format+"/NewLogHandler", func(b *testing.B) {
			h, err := NewLogHandler(io.Discard, format, nil)
			require.NoError(b, err)
			fast := h.(*lineHandler)
			b.ReportAllocs()
			for b.Loop() {
				fast.request(ctx, &l)
			}
		})
	}
}
