package contract

import (
	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// declaredByAdditionalProperties reports whether the object holding the field at path
// declares its keys with additionalProperties: a schema (a map, such as GitLab's validation
// errors keyed by attribute) or an explicit true (the spec says the object is open, as for
// /user, whose dozens of fields the suite does not use). pb33f's strict pass reports such keys
// as undeclared; the spec declares them, so the suite does not.
func declaredByAdditionalProperties(root *base.Schema, path string) bool {
	toks, err := parseJSONPath(path)
	if err != nil || len(toks) == 0 {
		return false
	}
	for _, parent := range schemasAt([]*base.Schema{root}, toks[:len(toks)-1], 0) {
		ap := parent.AdditionalProperties
		if ap != nil && (ap.IsA() || ap.IsB() && ap.B) {
			return true
		}
	}
	return false
}

// declaredThroughNestedAllOf reports whether a schema that can hold the field at path declares
// it as a property. pb33f's strict pass does not look into an allOf whose member is itself an
// allOf (ClusterGroup: GroupCluster, itself Cluster and more) and reports every field of such a
// body as undeclared; schemasAt expands them all.
func declaredThroughNestedAllOf(root *base.Schema, path string) bool {
	toks, err := parseJSONPath(path)
	if err != nil || len(toks) == 0 || !toks[len(toks)-1].isKey {
		return false
	}
	key := toks[len(toks)-1].key
	for _, parent := range schemasAt([]*base.Schema{root}, toks[:len(toks)-1], 0) {
		if parent.Properties != nil && parent.Properties.GetOrZero(key) != nil {
			return true
		}
	}
	return false
}

// infrastructureHeaders describe the web server in front of the API, not the API: a strict run
// does not report them. (RateLimit-* is not here: clients read it.)
var infrastructureHeaders = []string{
	"server", "via", "alt-svc", "connection", "keep-alive", "x-runtime", "x-gitlab-meta",
	"strict-transport-security", "referrer-policy", "content-security-policy", "permissions-policy",
	"x-content-type-options", "x-frame-options", "x-xss-protection", "x-download-options",
	"x-permitted-cross-domain-policies", "x-ua-compatible", "nel", "report-to",
}

// schemasAt returns the schemas that can describe the value at toks, expanding allOf, oneOf
// and anyOf.
func schemasAt(schemas []*base.Schema, toks []pathToken, depth int) []*base.Schema {
	if depth > 32 {
		return nil
	}
	var flat []*base.Schema
	for _, s := range schemas {
		flat = append(flat, expand(s, 0)...)
	}
	if len(toks) == 0 {
		return flat
	}
	t := toks[0]
	var next []*base.Schema
	for _, s := range flat {
		switch {
		case t.isKey:
			if s.Properties != nil {
				if p := s.Properties.GetOrZero(t.key); p != nil {
					if ps := p.Schema(); ps != nil {
						next = append(next, ps)
						continue
					}
				}
			}
			if s.AdditionalProperties != nil && s.AdditionalProperties.IsA() && s.AdditionalProperties.A != nil {
				if as := s.AdditionalProperties.A.Schema(); as != nil {
					next = append(next, as)
				}
			}
		default:
			if s.Items != nil && s.Items.IsA() && s.Items.A != nil {
				if is := s.Items.A.Schema(); is != nil {
					next = append(next, is)
				}
			}
		}
	}
	return schemasAt(next, toks[1:], depth+1)
}

func expand(s *base.Schema, depth int) []*base.Schema {
	if s == nil || depth > 16 {
		return nil
	}
	out := []*base.Schema{s}
	for _, group := range [][]*base.SchemaProxy{s.AllOf, s.OneOf, s.AnyOf} {
		for _, p := range group {
			if p != nil {
				out = append(out, expand(p.Schema(), depth+1)...)
			}
		}
	}
	return out
}
