package specdoc_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	clustersapi "github.com/glclusters/clustersapi"
	"github.com/glclusters/clustersapi/internal/specdoc"
	"github.com/glclusters/clustersapi/internal/specdoc/internal/edgedoc"
	"github.com/glclusters/clustersapi/internal/specgen"
)

// generated are the documents kept as Go code: openapi.yaml, and edge.yaml for what it does not
// use yet.
func generated(t *testing.T) []struct {
	name, pkg, file string
	spec            []byte
	doc             func() *openapi3.T
} {
	edge, err := os.ReadFile("testdata/edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return []struct {
		name, pkg, file string
		spec            []byte
		doc             func() *openapi3.T
	}{
		{"openapi.yaml", "specdoc", "specdoc_gen.go", clustersapi.OpenAPI, specdoc.Doc},
		{"testdata/edge.yaml", "edgedoc", "internal/edgedoc/edgedoc_gen.go", edge, edgedoc.Doc},
	}
}

// The committed code is what the generator makes of today's spec.
func TestGeneratedIsCurrent(t *testing.T) {
	for _, tt := range generated(t) {
		t.Run(tt.name, func(t *testing.T) {
			want, err := specgen.Generate(tt.pkg, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("internal/specdoc/%s is stale: %s (or kin-openapi) changed since it was generated; run `make generate`", tt.file, tt.name)
			}
		})
	}
}

// Doc is the document kin-openapi's loader makes of the spec: every exported field equal, the
// same values shared (a $ref's Value is its component's), valid, and a new copy at every call.
func TestDocEqualsLoader(t *testing.T) {
	for _, tt := range generated(t) {
		t.Run(tt.name, func(t *testing.T) {
			want, err := openapi3.NewLoader().LoadFromData(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got := tt.doc()
			shared, err := specgen.Compare(got, want)
			if err != nil {
				t.Fatal(err)
			}
			if shared == 0 {
				t.Fatal("no value reached twice: the comparison did not see the resolved $refs")
			}
			if err := got.Validate(context.Background()); err != nil {
				t.Fatalf("Doc().Validate: %v", err)
			}
			if again := tt.doc(); again == got || again.Paths == got.Paths {
				t.Fatal("Doc returned shared values: callers may change their copy")
			}
		})
	}
}
