package contract

import (
	"math/rand"
	"testing"

	"github.com/glclusters/clustersapi/fixtures"
)

// FuzzScenario: no scenario file, however broken, panics the suite: it is refused with an
// error, or it loads and every expectation in it can be compared with any response.
func FuzzScenario(f *testing.F) {
	for _, name := range []string{"scenarios/10-read.json", "scenarios/20-write.json"} {
		b, err := fixtures.FS.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"name":"x","steps":[{"name":"a","request":{"method":"GET","path":"/version"},"expect":{"status":200,"body":{"v":"@type"}}}]}`,
		`{"name":"x","steps":[{"name":"a","request":{"method":"GET","path":"/v"},"expect":{"status":200,"body":["@anny",{"a":"@regex:("}]}}]}`,
		`{"name":"x","steps":[{"name":"a","request":{"method":"GET","path":"/v"},"paginate":{"perPage":1,"maxPages":-1},"foreach":"l","as":"i","expect":{"status":200}}]}`,
		`{"name":"x","steps":[{"name":"a","request":{"method":"GET","path":"/v"},"capture":{"c":"$[*"},"expect":{"status":200}}]}`,
		`{}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { parseAndCompare(raw) })
}

// parseAndCompare parses raw as a scenario and, when it loads, compares each expectation with
// a few responses: what a run does with a scenario file, short of sending requests.
func parseAndCompare(raw []byte) {
	if len(raw) > 1<<16 {
		return // bounded: scenario files are small
	}
	sc, err := ParseScenario(raw)
	if err != nil {
		return
	}
	responses := []any{nil, "x", 1.0, true, []any{"a", 1.0}, map[string]any{"v": "x", "a": []any{}}}
	for _, st := range sc.Steps {
		for _, want := range []any{st.Expect.Body, st.Expect.Contains} {
			if want == nil {
				continue
			}
			for _, got := range responses {
				compareValue(want, got, map[string]bool{"id": true}, map[string]bool{})
			}
		}
	}
}

// TestScenarioMutationsNeverPanic runs a fixed set of random edits of the built-in scenarios
// (bytes changed, cut and copied) through parseAndCompare: the fuzz target's check on every
// "go test", bounded in count.
func TestScenarioMutationsNeverPanic(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	var seeds [][]byte
	for _, name := range []string{"scenarios/10-read.json", "scenarios/20-write.json"} {
		b, err := fixtures.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for i := 0; i < 3000; i++ {
		b := append([]byte(nil), seeds[i%len(seeds)]...)
		for k := 0; k < 1+rng.Intn(4); k++ {
			p := rng.Intn(len(b))
			switch rng.Intn(3) {
			case 0:
				b[p] = byte(rng.Intn(256))
			case 1:
				b = append(b[:p], b[min(len(b), p+rng.Intn(40)):]...)
			default:
				q := rng.Intn(len(b))
				b = append(b[:p], append(append([]byte(nil), b[q:min(len(b), q+rng.Intn(40))]...), b[p:]...)...)
			}
			if len(b) == 0 {
				b = []byte("{}")
			}
		}
		parseAndCompare(b)
	}
}
