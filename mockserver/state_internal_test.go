package mockserver

import (
	"bytes"
	"testing"
)

// TestStateWrittenAsItsSeed: the state written a cluster at a time (for the state file) is
// byte for byte its seed's JSON, with clusters and without any.
func TestStateWrittenAsItsSeed(t *testing.T) {
	html := "<b>&</b>"
	many := DefaultSeed()
	many.Clusters[1].ProviderGCP = &SeedProviderGCP{GCPProjectID: html, Zone: "z", NumNodes: 3}
	many.Clusters[1].Domain = &html
	none := DefaultSeed()
	none.Clusters = nil
	for name, s := range map[string]*Seed{"default": DefaultSeed(), "gcp": many, "no clusters": none} {
		st, err := newState(s, "https://gitlab.example.com")
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := st.writeSeedJSON(&got); err != nil {
			t.Fatal(err)
		}
		if want := string(st.seed().JSON()); got.String() != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got.String(), want)
		}
	}
}
