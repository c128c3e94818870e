package mockserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPanicBecomes500: a panicking handler answers GitLab's 500 body and the server goes on.
func TestPanicBecomes500(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s.mux.HandleFunc("GET /api/v4/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v4/boom", nil))
	if rec.Code != 500 || rec.Body.String() != `{"message":"500 Internal Server Error"}` {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/-/health", nil))
	if rec.Code != 200 {
		t.Fatalf("the server stopped serving: %d", rec.Code)
	}
}
