// Package grape shapes a request as GitLab's Rack/Grape stack does before the API sees it:
// malformed strings, form nesting, multipart, and type coercion driven by the spec.
package grape
