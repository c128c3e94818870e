package mockserver

import (
	"strings"
	"testing"

	clustersapi "github.com/glclusters/clustersapi"
)

// TestSpecDoc: the embedded openapi.yaml is built by internal/specdoc, not parsed; any other
// spec (openapi.yaml edited without `make generate`) is parsed by kin-openapi's loader and
// prepares the same operations; a broken one fails with the loader's error.
func TestSpecDoc(t *testing.T) {
	edited := append([]byte(strings.Clone(string(clustersapi.OpenAPI))), "# edited, not regenerated\n"...)
	tests := []struct {
		name    string
		spec    []byte
		parsed  bool   // the loader ran: a resolved $ref knows where it points
		wantErr string // in loadOperations' error
	}{
		{name: "embedded", spec: clustersapi.OpenAPI},
		{name: "edited", spec: edited, parsed: true},
		{name: "broken YAML", spec: []byte("openapi: 3.0.3\npaths: [\n"), wantErr: "load openapi.yaml: failed to unmarshal data: yaml error: "},
		{name: "dangling $ref", spec: []byte(strings.Replace(string(clustersapi.OpenAPI), "#/components/schemas/Cluster'", "#/components/schemas/Clusterr'", 1)),
			wantErr: `load openapi.yaml: failed to resolve "Clusterr"`},
	}
	want, err := loadOperations(edited)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := loadOperations(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ops) != len(want) {
				t.Fatalf("%d operations, want %d", len(ops), len(want))
			}
			for id, w := range want {
				o := ops[id]
				if o == nil || o.method != w.method || o.path != w.path || o.trivial != w.trivial || len(o.not) != len(w.not) || len(o.bodySchemas) != len(w.bodySchemas) {
					t.Errorf("operation %s = %+v, want %+v", id, o, w)
				}
			}
			ref := ops[OpGetCluster].route.Operation.Responses.Status(200)
			if ref == nil || ref.Value.Content.Get("application/json").Schema.Ref == "" {
				t.Fatal("GET one cluster's 200 has no $ref to check")
			}
			if parsed := ref.Value.Content.Get("application/json").Schema.RefPath() != nil; parsed != tt.parsed {
				t.Errorf("parsed by the loader: %v, want %v", parsed, tt.parsed)
			}
		})
	}
}

// BenchmarkLoadOperations: the spec part of glmock's start, from the generated document (the
// embedded openapi.yaml) and through kin-openapi's loader (any other spec) as every start did.
func BenchmarkLoadOperations(b *testing.B) {
	for _, bm := range []struct {
		name string
		spec []byte
	}{
		{"generated", clustersapi.OpenAPI},
		{"loader", append([]byte(strings.Clone(string(clustersapi.OpenAPI))), "# edited\n"...)},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := loadOperations(bm.spec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
