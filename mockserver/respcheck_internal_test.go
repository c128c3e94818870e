package mockserver

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestResponseCheckReportsAViolation: a response that breaks openapi.yaml reaches the
// WithResponseCheck callback as a *SpecViolation with the request, the status and the body;
// a faithful one and a transport-level 413 do not.
func TestResponseCheckReportsAViolation(t *testing.T) {
	var got []error
	s, err := New(WithResponseCheck(func(err error) { got = append(got, err) }))
	if err != nil {
		t.Fatal(err)
	}
	op := s.ops[OpListClusters]
	r := httptest.NewRequest("GET", "/api/v4/projects/1/clusters", nil)
	answer := func(status int, body string) {
		rec := &recorder{ResponseWriter: httptest.NewRecorder(), status: http.StatusOK}
		rec.Header().Set("Content-Type", "application/json")
		rec.WriteHeader(status)
		rec.Write([]byte(body))
		s.checkResponse(op, r, map[string]string{"id": "1"}, rec)
	}
	answer(http.StatusRequestEntityTooLarge, `{"message":"413 Request Entity Too Large"}`)
	answer(http.StatusUnauthorized, `{"message":"401 Unauthorized"}`)
	if len(got) != 0 {
		t.Fatalf("faithful answers reported: %v", got)
	}
	answer(http.StatusOK, `{"id":"eighteen"}`)
	if len(got) != 1 {
		t.Fatalf("want 1 violation, got %v", got)
	}
	var v *SpecViolation
	if !errors.As(got[0], &v) || v.Method != "GET" || v.Path != "/api/v4/projects/1/clusters" || v.Status != 200 || v.Body != `{"id":"eighteen"}` || v.Err == nil {
		t.Fatalf("violation %#v", got[0])
	}
	want := "GET /api/v4/projects/1/clusters: response 200 breaks openapi.yaml: " + v.Err.Error() + "\nbody: {\"id\":\"eighteen\"}"
	if got[0].Error() != want {
		t.Errorf("text\n%s\nwant\n%s", got[0].Error(), want)
	}
}
