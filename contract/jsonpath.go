package contract

import (
	"fmt"
	"strconv"
	"strings"
)

// pathToken is one step of a JSON path: a key, an index, or every item ([*]).
type pathToken struct {
	key   string
	index int
	all   bool
	isKey bool
}

// parseJSONPath parses the subset of JSONPath scenarios use: $, .key, ['key'], [n], [*].
func parseJSONPath(p string) ([]pathToken, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, fmt.Errorf("JSON path %q must start with $", p)
	}
	var out []pathToken
	rest := p[1:]
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return nil, fmt.Errorf("JSON path %q: unclosed ['", p)
			}
			out = append(out, pathToken{key: rest[2:end], isKey: true})
			rest = rest[end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("JSON path %q: unclosed [", p)
			}
			in := rest[1:end]
			if in == "*" {
				out = append(out, pathToken{all: true})
			} else {
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("JSON path %q: bad index %q", p, in)
				}
				out = append(out, pathToken{index: n})
			}
			rest = rest[end+1:]
		case rest[0] == '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return nil, fmt.Errorf("JSON path %q: empty key", p)
			}
			out = append(out, pathToken{key: rest[:end], isKey: true})
			rest = rest[end:]
		default:
			return nil, fmt.Errorf("JSON path %q: unexpected %q", p, rest)
		}
	}
	return out, nil
}

// lookupJSONPath evaluates a path. With [*] the result is a list of every match.
func lookupJSONPath(v any, p string) (any, bool) {
	toks, err := parseJSONPath(p)
	if err != nil {
		return nil, false
	}
	return lookupTokens(v, toks)
}

func lookupTokens(v any, toks []pathToken) (any, bool) {
	for i, t := range toks {
		switch {
		case t.all:
			arr, ok := v.([]any)
			if !ok {
				return nil, false
			}
			out := []any{}
			for _, item := range arr {
				if x, ok := lookupTokens(item, toks[i+1:]); ok {
					out = append(out, x)
				}
			}
			return out, true
		case t.isKey:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[t.key]; !ok {
				return nil, false
			}
		default:
			arr, ok := v.([]any)
			if !ok || t.index >= len(arr) {
				return nil, false
			}
			v = arr[t.index]
		}
	}
	return v, true
}

// jsonPathKey appends a key to a path, bracketed when it is not a plain identifier.
func jsonPathKey(base, key string) string {
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return base + "['" + key + "']"
		}
	}
	return base + "." + key
}

// genericPath replaces array indexes by [*], so that paths of list items compare across pages and runs.
func genericPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '[' {
			j := i + 1
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			if j > i+1 && j < len(p) && p[j] == ']' {
				b.WriteString("[*]")
				i = j
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}
