package contract

import (
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
	responses := []any{nil, "x", 1.0, true, []any{"a", 1.0}, map[string]any{"v": "x", "a": []any{}}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 1<<16 {
			return // bounded: scenario files are small
		}
		sc, err := ParseScenario(raw)
		if err != nil {
			return
		}
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
	})
}
