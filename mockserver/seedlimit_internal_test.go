package mockserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLoadStateJSONBound: a JSON seed beyond the bound gets 413 with the bound in its
// message, even though it is decoded as it arrives, and the state stays as it was. The bound
// is lowered here (1 GiB is too much to send in a test).
func TestLoadStateJSONBound(t *testing.T) {
	saved := seedBodyLimits
	seedBodyLimits.json = 1 << 20
	t.Cleanup(func() { seedBodyLimits = saved })
	srv, err := New()
	if err != nil {
		t.Fatal(err)
	}
	before := string(srv.Export().JSON())
	seed := DefaultSeed()
	for i := range 10_000 { // about 2 MiB
		seed.Clusters = append(seed.Clusters, SeedCluster{ID: 100 + i, ProjectID: 1, Name: fmt.Sprint("c", i),
			EnvironmentScope: fmt.Sprint("s", i), UserID: 1, CreatedAt: "2024-01-01T00:00:00Z"})
	}
	body := string(seed.JSON())
	if len(body) <= 1<<20 {
		t.Fatalf("the seed is %d bytes, not over the bound", len(body))
	}
	req := httptest.NewRequest(http.MethodPut, "/-/mock/state", strings.NewReader(body))
	req.Header.Set("Private-Token", "root-token")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if want := `{"message":"seed too large (1 MiB at most as JSON, 64 MiB as YAML)"}`; rec.Code != 413 || rec.Body.String() != want {
		t.Errorf("PUT: %d %s, want 413 %s", rec.Code, rec.Body, want)
	}
	if after := string(srv.Export().JSON()); after != before {
		t.Error("the state changed")
	}
}
