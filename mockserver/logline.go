package mockserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/glclusters/clustersapi/mockserver/internal/jsonesc"
)

// NewLogHandler returns a slog.Handler writing to w in format "json" or "text" exactly as
// slog.NewJSONHandler or slog.NewTextHandler would (level as given; nil means Info), with
// one difference in cost: a Server whose logger (WithLogger) uses it appends each request's
// line straight into a pooled buffer, without a slog.Record, so the line per request costs a
// fraction of slog's. Every line, request or not, reaches w in a single Write, and lines
// never interleave. Another format is a *ConfigError.
//
// A handler derived with WithAttrs or WithGroup is slog's own, writing to the same w.
func NewLogHandler(w io.Writer, format string, level slog.Leveler) (slog.Handler, error) {
	if level == nil {
		level = slog.LevelInfo
	}
	out := &lockedWriter{w: w}
	opts := &slog.HandlerOptions{Level: level}
	h := &lineHandler{out: out, level: level, now: time.Now}
	switch format {
	case "json":
		h.slog = slog.NewJSONHandler(out, opts)
	case "text":
		h.slog, h.text = slog.NewTextHandler(out, opts), true
	default:
		return nil, &ConfigError{fmt.Sprintf("log format %q: use json or text", format)}
	}
	return h, nil
}

// lineHandler is NewLogHandler's handler: slog's for every line but the request's.
type lineHandler struct {
	out   *lockedWriter
	slog  slog.Handler // writes to out
	level slog.Leveler
	text  bool
	now   func() time.Time // the record's time, as slog's time.Now; tests fix it
	// second is the last time stamp's second, formatted: a busy mock formats the date once
	// a second rather than once a line.
	second atomic.Pointer[formattedSecond]
}

// formattedSecond is one second of one time zone in RFC 3339: head "2006-01-02T15:04:05"
// and zone "Z" or "-07:00", around the fraction.
type formattedSecond struct {
	unix       int64
	loc        *time.Location
	head, zone []byte
}

func (h *lineHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}
func (h *lineHandler) Handle(ctx context.Context, r slog.Record) error { return h.slog.Handle(ctx, r) }
func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler           { return h.slog.WithAttrs(as) }
func (h *lineHandler) WithGroup(name string) slog.Handler              { return h.slog.WithGroup(name) }

// lockedWriter makes slog's lines and the request lines one Write each, one at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// requestLine is what a request's log line says, in the order it says it.
type requestLine struct {
	method, path string
	status, user int
	operation    string
	fault        bool
	truncated    bool
	durationMS   float64
}

// attrs is the line as slog attributes, for any other handler (an array: no allocation).
func (l *requestLine) attrs() [8]slog.Attr {
	return [8]slog.Attr{slog.String("method", l.method), slog.String("path", l.path), slog.Int("status", l.status),
		slog.Int("user", l.user), slog.String("operation", l.operation), slog.Bool("fault", l.fault),
		slog.Bool("truncated", l.truncated), slog.Float64("duration_ms", l.durationMS)}
}

// lineBufs holds the buffers request lines are built in; a line past 64 KiB (never, with
// paths cut at 2 KiB) is not kept.
var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// request writes l as slog would have for an Info record made now.
func (h *lineHandler) request(ctx context.Context, l *requestLine) {
	t := h.now()
	sec := h.secondOf(t)
	if sec == nil || t.IsZero() {
		// slog writes an error in place of such a time, and no zero time: let it.
		r := slog.NewRecord(t, slog.LevelInfo, "request", 0)
		a := l.attrs()
		r.AddAttrs(a[:]...)
		h.slog.Handle(ctx, r)
		return
	}
	bp := lineBufs.Get().(*[]byte)
	b := (*bp)[:0]
	if h.text {
		b = l.appendText(sec.appendTime(append(b, "time="...), t, true))
	} else {
		b = l.appendJSON(sec.appendTime(append(b, `{"time":"`...), t, false))
	}
	h.out.Write(b) // as slog, which drops the writer's error
	if cap(b) <= 64<<10 {
		*bp = b
		lineBufs.Put(bp)
	}
}

// secondOf is t's second formatted, or nil when its year is outside 0 to 9999 (RFC 3339's).
func (h *lineHandler) secondOf(t time.Time) *formattedSecond {
	sec, loc := t.Unix(), t.Location()
	if f := h.second.Load(); f != nil && f.unix == sec && f.loc == loc {
		return f
	}
	if y := t.Year(); y < 0 || y >= 10000 {
		return nil
	}
	s := t.AppendFormat(make([]byte, 0, 32), time.RFC3339) // no fraction: the second, as is
	f := &formattedSecond{unix: sec, loc: loc, head: s[:len("2006-01-02T15:04:05")], zone: s[len("2006-01-02T15:04:05"):]}
	h.second.Store(f)
	return f
}

// appendTime is t (in f's second) as slog writes it (handler.go): RFC 3339 with the fraction
// of time.RFC3339Nano (up to nine digits, trailing zeros dropped) for JSON, with exactly three
// digits, truncated, for text.
func (f *formattedSecond) appendTime(b []byte, t time.Time, text bool) []byte {
	b = append(b, f.head...)
	ns := t.Nanosecond()
	if text {
		ms := ns / 1e6
		b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	} else if ns != 0 {
		d := [10]byte{'.'}
		for i := 9; i > 0; i-- {
			d[i], ns = byte('0'+ns%10), ns/10
		}
		n := len(d)
		for d[n-1] == '0' {
			n--
		}
		b = append(b, d[:n]...)
	}
	return append(b, f.zone...)
}

// appendJSON is the rest of slog.JSONHandler's line, after the time (handler.go,
// json_handler.go).
func (l *requestLine) appendJSON(b []byte) []byte {
	b = append(b, `","level":"INFO","msg":"request","method":"`...)
	b = jsonesc.AppendSlog(b, l.method)
	b = append(b, `","path":"`...)
	b = jsonesc.AppendSlog(b, l.path)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, `,"user":`...)
	b = strconv.AppendInt(b, int64(l.user), 10)
	b = append(b, `,"operation":"`...)
	b = jsonesc.AppendSlog(b, l.operation)
	b = append(b, `","fault":`...)
	b = strconv.AppendBool(b, l.fault)
	b = append(b, `,"truncated":`...)
	b = strconv.AppendBool(b, l.truncated)
	b = append(b, `,"duration_ms":`...)
	b = appendJSONFloat(b, l.durationMS)
	return append(b, "}\n"...)
}

// appendText is the rest of slog.TextHandler's line, after the time (handler.go,
// text_handler.go).
func (l *requestLine) appendText(b []byte) []byte {
	b = append(b, " level=INFO msg=request method="...)
	b = appendTextString(b, l.method)
	b = append(b, " path="...)
	b = appendTextString(b, l.path)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, " user="...)
	b = strconv.AppendInt(b, int64(l.user), 10)
	b = append(b, " operation="...)
	b = appendTextString(b, l.operation)
	b = append(b, " fault="...)
	b = strconv.AppendBool(b, l.fault)
	b = append(b, " truncated="...)
	b = strconv.AppendBool(b, l.truncated)
	b = append(b, " duration_ms="...)
	b = strconv.AppendFloat(b, l.durationMS, 'g', -1, 64) // slog.Value.append
	return append(b, '\n')
}

// appendJSONFloat is encoding/json's float64 (which slog's JSONHandler calls): the shortest
// decimal, in exponent form only below 1e-6 and from 1e21. NaN and infinities cannot occur
// (a duration).
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendTextString is slog.TextHandler's string: as is, or Go-quoted when empty or holding a
// space, '=', a quote, a control or non-printing character or invalid UTF-8.
func appendTextString(b []byte, s string) []byte {
	if textNeedsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func textNeedsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '=' || c == '"' || c < ' ' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
