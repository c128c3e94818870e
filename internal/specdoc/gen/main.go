// Command gen writes an OpenAPI document as Go code (internal/specgen) into the package go generate
// runs it for: `gen SPEC.yaml OUT.go` (`make generate` runs internal/specdoc's).
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
	pkg := os.Getenv("GOPACKAGE") // set by go generate
	if pkg == "" {
		return fmt.Errorf("GOPACKAGE is not set: run gen through go generate")
	}
	code, err := specgen.Generate(pkg, src)
	if err != nil {
		return fmt.Errorf("%s: %w", spec, err)
	}
	return os.WriteFile(out, code, 0o644)
}
