package seed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
)

// A seed of a million clusters is hundreds of megabytes of JSON. It is read and written a
// cluster at a time: reading holds the decoded seed and a small buffer, not the text too, and
// writing holds one cluster's JSON at a time, not the whole document and its indented copy.

// decodeJSON decodes a JSON seed as json.Decoder.Decode into a Seed would (unknown fields
// refused, keys matched as encoding/json matches them, what follows the object not read),
// the clusters array one element at a time.
func decodeJSON(r io.Reader) (*Seed, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Seed
	if err := expectDelim(dec, '{', "the seed must be a JSON object"); err != nil {
		return nil, err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		switch topKey(key) {
		case "metadata":
			err = dec.Decode(&s.Metadata)
		case "users":
			err = dec.Decode(&s.Users)
		case "tokens":
			err = dec.Decode(&s.Tokens)
		case "namespaces":
			err = dec.Decode(&s.Namespaces)
		case "projects":
			err = dec.Decode(&s.Projects)
		case "next_cluster_id":
			err = dec.Decode(&s.NextClusterID)
		case "clusters":
			s.Clusters, err = decodeClusters(dec)
		default:
			return nil, fmt.Errorf("json: unknown field %q", key)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
	}
	if err := expectDelim(dec, '}', "the seed object is not closed"); err != nil {
		return nil, err
	}
	return &s, nil
}

// topKey is the Seed field a JSON key names: its exact name or, as encoding/json allows,
// the name in another case.
func topKey(key string) string {
	for _, name := range [...]string{"metadata", "users", "tokens", "namespaces", "projects", "clusters", "next_cluster_id"} {
		if strings.EqualFold(key, name) {
			return name
		}
	}
	return ""
}

func expectDelim(dec *json.Decoder, want json.Delim, msg string) error {
	t, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return errors.New(msg)
	}
	return nil
}

// decodeClusters decodes the clusters array (or null) an element at a time; repeated strings
// (types, times, URLs, CA certificates) are kept once.
func decodeClusters(dec *json.Decoder) ([]Cluster, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, nil
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("must be an array, not %v", t)
	}
	out := []Cluster{}
	in := interner{}
	var raw json.RawMessage
	for i := 0; dec.More(); i++ {
		if err := dec.Decode(&raw); err != nil { // checks the syntax
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		var c Cluster
		if !fastCluster(raw, &c) {
			c = Cluster{}
			if err := strictDecode(raw, &c); err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		c.ClusterType, c.ProviderType, c.CreatedAt, c.UpdatedAt = in.get(c.ClusterType), in.get(c.ProviderType), in.get(c.CreatedAt), in.get(c.UpdatedAt)
		p := &c.Platform
		p.APIURL, p.Token, p.AuthorizationType = in.get(p.APIURL), in.get(p.Token), in.get(p.AuthorizationType)
		p.CACert, p.Namespace, c.Domain = in.ptr(p.CACert), in.ptr(p.Namespace), in.ptr(c.Domain)
		out = append(out, c)
	}
	_, err = dec.Token() // the ']'; More said there is no other element
	return out, err
}

// strictDecode is encoding/json's decoding of one element, unknown fields refused.
func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// interner keeps one copy of strings that repeat, up to a bound: a table, not a cache.
type interner map[string]string

func (in interner) get(s string) string {
	if v, ok := in[s]; ok {
		return v
	}
	if len(in) < 4096 {
		in[s] = s
	}
	return s
}

func (in interner) ptr(p *string) *string {
	if p == nil {
		return nil
	}
	v := in.get(*p)
	return &v
}

// WriteJSON writes the seed as JSON returns it: exactly as json.MarshalIndent(s, "", "  ")
// and a newline do, a cluster at a time.
func (s *Seed) WriteJSON(w io.Writer) error { return s.writeJSON(w, false, 0, nil) }

// WriteJSONFrom writes as WriteJSON does the seed's users, tokens, namespaces, projects and
// next_cluster_id, with the n clusters of clusters in place of s.Clusters (none is written
// as null when s.Clusters is nil, as []). A state of a million clusters is written so
// without a Cluster for each held at once.
func (s *Seed) WriteJSONFrom(w io.Writer, n int, clusters iter.Seq[*Cluster]) error {
	return s.writeJSON(w, false, n, clusters)
}

// writeJSON writes the seed exactly as json.MarshalIndent(s, "", "  ") and a newline do, or
// with compact as json.Marshal does, with the clusters from clusters (n of them; a nil
// clusters means s.Clusters).
func (s *Seed) writeJSON(w io.Writer, compact bool, n int, clusters iter.Seq[*Cluster]) error {
	if clusters == nil {
		n = len(s.Clusters)
		clusters = func(yield func(*Cluster) bool) {
			for i := range s.Clusters {
				if !yield(&s.Clusters[i]) {
					return
				}
			}
		}
	}
	nl, nl2, nl4, colon := "\n", "\n  ", "\n    ", ": "
	if compact {
		nl, nl2, nl4, colon = "", "", "", ":"
	}
	ew := &errWriter{w: w}
	var one, indented bytes.Buffer
	enc := json.NewEncoder(&one)
	value := func(v any, prefix string) {
		one.Reset()
		ew.fail(enc.Encode(v))
		raw := bytes.TrimSuffix(one.Bytes(), []byte("\n"))
		if !compact {
			indented.Reset()
			ew.fail(json.Indent(&indented, raw, prefix, "  "))
			raw = indented.Bytes()
		}
		ew.bytes(raw)
	}
	ew.str("{")
	if len(s.Metadata) > 0 { // omitempty
		ew.str(nl2 + `"metadata"` + colon)
		value(s.Metadata, "  ")
		ew.str(",")
	}
	for _, f := range [...]struct {
		name string
		v    any
	}{{"users", s.Users}, {"tokens", s.Tokens}, {"namespaces", s.Namespaces}, {"projects", s.Projects}} {
		ew.str(nl2 + `"` + f.name + `"` + colon)
		value(f.v, "  ")
		ew.str(",")
	}
	ew.str(nl2 + `"clusters"` + colon)
	switch {
	case s.Clusters == nil && n == 0:
		ew.str("null")
	case n == 0:
		ew.str("[]")
	default:
		ew.str("[" + nl4)
		first := true
		var buf []byte
		for c := range clusters {
			if ew.err != nil {
				break
			}
			if !first {
				ew.str("," + nl4)
			}
			first = false
			buf = appendCluster(buf[:0], c, compact, "    ")
			ew.bytes(buf)
		}
		ew.str(nl2 + "]")
	}
	ew.str("," + nl2 + `"next_cluster_id"` + colon + strconv.Itoa(s.NextClusterID) + nl + "}" + nl)
	return ew.err
}

// errWriter keeps the first error and writes nothing after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *errWriter) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *errWriter) str(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}
