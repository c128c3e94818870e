package contract

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// escapePointer escapes one JSON pointer token (RFC 6901).
func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func unescapePointer(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}

// locate follows a JSON pointer into openapi.yaml, resolving $ref on the way, and returns the
// deepest pointer it reached (in its canonical form, e.g. #/components/schemas/Cluster/properties/id)
// and the line it is on. Tokens that do not exist in the document (a validator's own keywords)
// stop the walk; the location of the deepest existing node is returned.
func (s *apiSpec) locate(pointer string) (string, int) {
	node := s.document()
	cur := "#"
	tokens := splitPointer(pointer)
	line := 1
	for _, tok := range tokens {
		node, cur = s.deref(node, cur)
		if tok == "$ref" {
			continue // JSON Schema keyword locations name the $ref they went through
		}
		next, l := child(node, tok)
		if next == nil {
			break
		}
		node, line = next, l
		cur += "/" + escapePointer(tok)
	}
	return cur, line
}

// location formats a spec location as "openapi.yaml:LINE #/pointer".
func (s *apiSpec) location(pointer string) string {
	ptr, line := s.locate(pointer)
	return fmt.Sprintf("%s:%d %s", specFile, line, ptr)
}

func (s *apiSpec) document() *yaml.Node {
	if s.root.Kind == yaml.DocumentNode && len(s.root.Content) > 0 {
		return s.root.Content[0]
	}
	return s.root
}

// deref resolves a mapping with a local $ref, repeatedly.
func (s *apiSpec) deref(node *yaml.Node, cur string) (*yaml.Node, string) {
	for i := 0; i < 16 && node != nil && node.Kind == yaml.MappingNode; i++ {
		ref, _ := child(node, "$ref")
		if ref == nil || ref.Kind != yaml.ScalarNode || !strings.HasPrefix(ref.Value, "#/") {
			break
		}
		target := s.document()
		for _, tok := range splitPointer(ref.Value) {
			target, _ = child(target, tok)
			if target == nil {
				return node, cur
			}
		}
		node, cur = target, ref.Value
	}
	return node, cur
}

func splitPointer(p string) []string {
	p = strings.TrimPrefix(p, "#")
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		parts[i] = unescapePointer(parts[i])
	}
	return parts
}

// child returns a mapping's value by key (and the key's line) or a sequence's item by index.
func child(node *yaml.Node, tok string) (*yaml.Node, int) {
	if node == nil {
		return nil, 0
	}
	switch node.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == tok {
				return node.Content[i+1], node.Content[i].Line
			}
		}
	case yaml.SequenceNode:
		if n, err := strconv.Atoi(tok); err == nil && n >= 0 && n < len(node.Content) {
			return node.Content[n], node.Content[n].Line
		}
	}
	return nil, 0
}
