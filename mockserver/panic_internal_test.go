package mockserver

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPanicBecomes500: a panicking handler answers GitLab's 500 body, its stack is logged, and
// the server goes on.
func TestPanicBecomes500(t *testing.T) {
	var logs bytes.Buffer
	s, err := New(WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	s.mux.HandleFunc("GET /api/v4/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v4/boom", nil))
	if rec.Code != 500 || rec.Body.String() != `{"message":"500 Internal Server Error"}` {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	var line struct{ Msg, Panic, Stack string }
	if err := json.NewDecoder(&logs).Decode(&line); err != nil {
		t.Fatal(err)
	}
	if line.Msg != "handler panic" || line.Panic != "boom" || !strings.Contains(line.Stack, "mockserver.TestPanicBecomes500.func1") {
		t.Fatalf("the log line does not name the panic and where it happened: %+v", line)
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/-/health", nil))
	if rec.Code != 200 {
		t.Fatalf("the server stopped serving: %d", rec.Code)
	}
}
