package mockserver

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestSeedJSONAsMarshalIndent: the seed written a cluster at a time is byte for byte what
// json.MarshalIndent writes, so exports and state files stay as they were.
func TestSeedJSONAsMarshalIndent(t *testing.T) {
	html := "<b>&amp;</b> \u2028"
	withAll := DefaultSeed()
	withAll.Clusters[0].Domain = &html
	withAll.Clusters[0].ProviderGCP = &SeedProviderGCP{GCPProjectID: html, Zone: "z", NumNodes: 3}
	withAll.Clusters = append(withAll.Clusters, withAll.Clusters...)
	for name, s := range map[string]*Seed{
		"default":     DefaultSeed(),
		"empty":       {},
		"no clusters": {Users: []SeedUser{}, Clusters: []SeedCluster{}, NextClusterID: 5},
		"every field": withAll,
		"one cluster": {Clusters: withAll.Clusters[:1]},
	} {
		want, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got := string(s.JSON()); got != string(want)+"\n" {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		want, _ = json.Marshal(s)
		var compact bytes.Buffer
		if err := s.writeJSON(&compact, true, 0, nil); err != nil || compact.String() != string(want) {
			t.Errorf("%s compact (%v):\n got %s\nwant %s", name, err, compact.String(), want)
		}
	}
}

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
		st := newState(s, "https://gitlab.example.com")
		var got bytes.Buffer
		if err := st.writeSeedJSON(&got); err != nil {
			t.Fatal(err)
		}
		if want := string(st.seedLocked().JSON()); got.String() != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got.String(), want)
		}
	}
}
