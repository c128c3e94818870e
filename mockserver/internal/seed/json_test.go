package seed

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestSeedJSONAsMarshalIndent: the seed written a cluster at a time is byte for byte what
// json.MarshalIndent writes, so exports and state files stay as they were.
func TestSeedJSONAsMarshalIndent(t *testing.T) {
	html := "<b>&amp;</b> \u2028"
	withAll := Default()
	withAll.Clusters[0].Domain = &html
	withAll.Clusters[0].ProviderGCP = &ProviderGCP{GCPProjectID: html, Zone: "z", NumNodes: 3}
	withAll.Clusters = append(withAll.Clusters, withAll.Clusters...)
	for name, s := range map[string]*Seed{
		"default":     Default(),
		"empty":       {},
		"no clusters": {Users: []User{}, Clusters: []Cluster{}, NextClusterID: 5},
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
