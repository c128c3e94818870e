package specgen_test

import (
	"strings"
	"testing"

	"github.com/glclusters/clustersapi/internal/specgen"
)

// A spec kin-openapi's loader refuses is refused with the loader's words, which `make generate`
// prints: the error a broken openapi.yaml used to give at glmock's start.
func TestGenerateRefusesWhatTheLoaderRefuses(t *testing.T) {
	tests := []struct{ name, spec, want string }{
		{"not YAML", "openapi: 3.0.3\npaths: [\n", "load openapi.yaml: failed to unmarshal data: yaml error: "},
		{"dangling $ref", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Missing'}\n",
			`load openapi.yaml: failed to resolve "components" in fragment in URI: "#/components/responses/Missing"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := specgen.Generate("p", []byte(tt.spec))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Generate = %d bytes, error %v; want an error containing %q", len(code), err, tt.want)
			}
		})
	}
}
