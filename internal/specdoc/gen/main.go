// Command gen writes ../specdoc_gen.go from the module's openapi.yaml (run by go generate in
// internal/specdoc, or `make generate`).
package main

import (
	"fmt"
	"os"

	"github.com/glclusters/clustersapi/internal/specgen"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen SPEC.yaml OUT.go")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(spec, out string) error {
	src, err := os.ReadFile(spec)
	if err != nil {
		return err
	}
	code, err := specgen.Generate("specdoc", src)
	if err != nil {
		return fmt.Errorf("%s: %w", spec, err)
	}
	return os.WriteFile(out, code, 0o644)
}
