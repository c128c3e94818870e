// Package buildinfo tells which version of the module a binary was built from.
package buildinfo

import "runtime/debug"

// Version is set, when it is not empty (a release build's -ldflags "-X main.version=v1.2.3"),
// else the module version the binary was built as (go install module@v1.2.3), else "devel".
func Version(set string) string {
	if set != "" {
		return set
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
