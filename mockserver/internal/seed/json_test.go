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

// TestSeedMetadata: a seed's free-form metadata is accepted in JSON and YAML and written
// back, byte for byte as json.MarshalIndent writes it.
func TestSeedMetadata(t *testing.T) {
	meta := `{"source": {"url": "https://gitlab.example.com", "flag": true}, "unreadable": ["project 9"], "placeholders": "tokens"}`
	js, err := Parse([]byte(`{"metadata": ` + meta + `, "users": [], "clusters": []}`))
	if err != nil {
		t.Fatal(err)
	}
	ym, err := Parse([]byte("metadata:\n  source: {url: \"https://gitlab.example.com\", flag: true}\n  unreadable: [project 9]\n  placeholders: tokens\nusers: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Seed{"json": js, "yaml": ym} {
		want, _ := json.MarshalIndent(s, "", "  ")
		if got := string(s.JSON()); got != string(want)+"\n" {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		again, err := Parse(s.JSON())
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(again.Metadata); string(got) != `{"placeholders":"tokens","source":{"flag":true,"url":"https://gitlab.example.com"},"unreadable":["project 9"]}` {
			t.Errorf("%s: metadata after a round trip: %s", name, got)
		}
	}
}
