// Package clustersapi embeds openapi.yaml, the one description of GitLab's project clusters API that the mock and the suite share.
package clustersapi

import _ "embed"

// OpenAPI is the bytes of openapi.yaml. Each consumer parses it once with the library it needs
// (kin-openapi in the mock, libopenapi in the suite), so this package imports nothing.
//
//go:embed openapi.yaml
var OpenAPI []byte
