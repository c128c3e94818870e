package jsonesc_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/glclusters/clustersapi/mockserver/internal/jsonesc"
)

// samples need every kind of escape.
var samples = []string{
	"", "plain", `quote" and \ back`, "ctl\x00\x01\x1f\t\n\r\b\f\x7f", "<html>&amp;", "\u2028\u2029 sep",
	"bad \xff\xfe utf8", "cut \xe2\x80", "ünïcödé 😀", "/api/v4/projects/1?x=<y>",
}

// encodingJSON is encoding/json's string, without the quotes.
func encodingJSON(t testing.TB, s string, html bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	return out[1 : len(out)-1]
}

// slogJSON is slog's JSONHandler's string, without the quotes.
func slogJSON(s string) string {
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key != "k" {
				return slog.Attr{}
			}
			return a
		},
	})).Info("", "k", s)
	out := strings.TrimSuffix(buf.String(), "\n")
	return strings.TrimSuffix(strings.TrimPrefix(out, `{"k":"`), `"}`)
}

func check(t *testing.T, s string) {
	t.Helper()
	if got, want := string(jsonesc.Append([]byte("x"), s)), "x"+encodingJSON(t, s, false); got != want {
		t.Errorf("Append(%q) = %s, want %s as encoding/json without HTML escaping", s, got, want)
	}
	if got, want := string(jsonesc.AppendHTML(nil, s)), encodingJSON(t, s, true); got != want {
		t.Errorf("AppendHTML(%q) = %s, want %s as json.Marshal", s, got, want)
	}
	if got, want := string(jsonesc.AppendSlog(nil, s)), slogJSON(s); got != want {
		t.Errorf("AppendSlog(%q) = %s, want %s as slog's JSONHandler", s, got, want)
	}
}

func TestAsEncodingJSONAndSlog(t *testing.T) {
	for _, s := range samples {
		check(t, s)
	}
	var all strings.Builder
	for c := range 256 {
		all.WriteByte(byte(c))
	}
	check(t, all.String())
}

func FuzzAsEncodingJSONAndSlog(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(check)
}

func BenchmarkAppend(b *testing.B) {
	for _, s := range []string{"/api/v4/projects/1/clusters/18", "ünïcödé 😀 and a little more text"} {
		b.Run("", func(b *testing.B) {
			buf := make([]byte, 0, 256)
			for b.Loop() {
				buf = jsonesc.AppendSlog(buf[:0], s)
			}
		})
	}
}
