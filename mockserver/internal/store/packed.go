package store

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/glclusters/clustersapi/mockserver/internal/jsonesc"
	"github.com/glclusters/clustersapi/mockserver/internal/seed"
)

// Packed is a stored cluster: one immutable string holding every field, varint-encoded. A
// million clusters are a million small objects without pointers inside, which the garbage
// collector marks without scanning, instead of several live objects each (strings, pointers,
// a rendered copy). Handlers render straight from it (appendEntity); writes unpack it into a
// *Cluster, change that, and pack a new one.
//
// Layout: id, kind, owner id (project or group; 0 for the instance), user id, flags,
// management project id (flag), updated (seconds, nanoseconds), created_at as rendered (only
// ever seen to the millisecond), then the strings name, environment scope, provider type,
// api_url, token, authorization type, and, when their flag is set, domain, ca_cert, namespace
// and the GCP provider's fields. The strings the entity shows (all but the token and the GCP
// fields) are kept as JSON escapes them, so a GET copies them: see esc and unesc.
type Packed string

const (
	FlagEnabled = 1 << iota
	FlagManaged
	FlagNamespacePerEnvironment
	FlagManagement
	FlagDomain
	FlagCACert
	FlagNamespace
	FlagGCP
)

// Cluster Kinds as one byte in a packed cluster.
var Kinds = [...]string{ProjectType, GroupType, InstanceType}

func kindByte(kind string) byte {
	switch kind {
	case GroupType:
		return 1
	case InstanceType:
		return 2
	}
	return 0
}

// Pack encodes c; c.id must be set.
func Pack(c *Cluster) Packed {
	b := make([]byte, 0, 32+len(c.Name)+len(c.EnvironmentScope)+len(c.APIURL)+len(c.Token)+optLen(c.CACert))
	b = binary.AppendUvarint(b, uint64(c.ID))
	k := kindByte(c.Type)
	b = append(b, k)
	owner := 0
	switch k {
	case 0:
		owner = c.ProjectID
	case 1:
		owner = c.GroupID
	}
	b = binary.AppendVarint(b, int64(owner))
	b = binary.AppendVarint(b, int64(c.UserID))
	var flags byte
	set := func(on bool, f byte) {
		if on {
			flags |= f
		}
	}
	set(c.Enabled, FlagEnabled)
	set(c.Managed, FlagManaged)
	set(c.NamespacePerEnvironment, FlagNamespacePerEnvironment)
	set(c.ManagementProjectID != nil, FlagManagement)
	set(c.Domain != nil, FlagDomain)
	set(c.CACert != nil, FlagCACert)
	set(c.Namespace != nil, FlagNamespace)
	set(c.GCP != nil, FlagGCP)
	b = append(b, flags)
	if c.ManagementProjectID != nil {
		b = binary.AppendVarint(b, int64(*c.ManagementProjectID))
	}
	b = binary.AppendVarint(b, c.UpdatedAt.Unix())
	b = binary.AppendUvarint(b, uint64(c.UpdatedAt.Nanosecond()))
	var created [40]byte
	t := appendMillis(created[:0], c.CreatedAt) // never needs escaping
	b = binary.AppendUvarint(b, uint64(len(t)))
	b = append(b, t...)
	for _, s := range [...]string{c.Name, c.EnvironmentScope, c.ProviderType, c.APIURL} {
		b = appendEscaped(b, s)
	}
	b = appendString(b, c.Token)
	b = appendEscaped(b, c.AuthorizationType)
	for _, s := range [...]*string{c.Domain, c.CACert, c.Namespace} {
		if s != nil {
			b = appendEscaped(b, *s)
		}
	}
	if g := c.GCP; g != nil {
		for _, s := range [...]string{g.GCPProjectID, g.Zone, g.MachineType, g.StatusName, g.Endpoint} {
			b = appendString(b, s)
		}
		b = binary.AppendVarint(b, int64(g.NumNodes))
	}
	return Packed(b)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendEscaped appends s JSON-escaped as the API writes it (jsonesc.Append), without the quotes.
func appendEscaped(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf
	}
	if plain { // the usual case: nothing to escape
		return appendString(b, s)
	}
	return appendString(b, string(jsonesc.Append(nil, s)))
}

// unesc reverses appendEscaped. Strings stored come from JSON (requests, seeds), so they are
// valid UTF-8 and come back as they were; most have nothing escaped.
func unesc(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var out string
	if err := json.Unmarshal([]byte(`"`+s+`"`), &out); err != nil {
		panic("store: packed string: " + err.Error()) // we escaped it
	}
	return out
}

// View is a packed cluster decoded on the stack: its strings share the packed bytes, and
// those the entity shows are JSON-escaped (created is rendered already).
type View struct {
	ID, OwnerID, UserID, Management     int
	Kind, Flags                         byte
	Created                             string
	Updated                             time.Time
	Name, Scope, Provider, APIURL       string
	Token, Authorization                string
	Domain, CACert, Namespace           string
	GCPProject, Zone, Machine, GCPState string
	Endpoint                            string
	NumNodes                            int
}

// reader walks a packed cluster. The bytes are ours, so it trusts them.
type reader struct {
	p Packed
	i int
}

func (r *reader) uvarint() uint64 {
	var x uint64
	for s := 0; ; s += 7 {
		c := r.p[r.i]
		r.i++
		if c < 0x80 {
			return x | uint64(c)<<s
		}
		x |= uint64(c&0x7f) << s
	}
}

func (r *reader) varint() int64 {
	u := r.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (r *reader) byte() byte {
	c := r.p[r.i]
	r.i++
	return c
}

func (r *reader) string() string {
	n := int(r.uvarint())
	s := string(r.p[r.i : r.i+n])
	r.i += n
	return s
}

// ID is the cluster's ID, the first field.
func (p Packed) ID() int {
	r := reader{p: p}
	return int(r.uvarint())
}

func (p Packed) Decode(v *View) {
	r := reader{p: p}
	v.ID = int(r.uvarint())
	v.Kind = r.byte()
	v.OwnerID = int(r.varint())
	v.UserID = int(r.varint())
	v.Flags = r.byte()
	if v.Flags&FlagManagement != 0 {
		v.Management = int(r.varint())
	}
	sec := r.varint()
	v.Updated = time.Unix(sec, int64(r.uvarint())).UTC()
	v.Created = r.string()
	v.Name, v.Scope, v.Provider, v.APIURL, v.Token, v.Authorization = r.string(), r.string(), r.string(), r.string(), r.string(), r.string()
	if v.Flags&FlagDomain != 0 {
		v.Domain = r.string()
	}
	if v.Flags&FlagCACert != 0 {
		v.CACert = r.string()
	}
	if v.Flags&FlagNamespace != 0 {
		v.Namespace = r.string()
	}
	if v.Flags&FlagGCP != 0 {
		v.GCPProject, v.Zone, v.Machine, v.GCPState, v.Endpoint = r.string(), r.string(), r.string(), r.string(), r.string()
		v.NumNodes = int(r.varint())
	}
}

// Owner is the project, group or instance the packed cluster belongs to.
func (p Packed) Owner() Owner {
	r := reader{p: p}
	r.uvarint()
	k := r.byte()
	return Owner{Kinds[k], int(r.varint())}
}

// Unpack decodes a packed cluster into the working form that updates change.
func (p Packed) Unpack() *Cluster {
	var v View
	p.Decode(&v)
	c := &Cluster{
		ID: v.ID, Type: Kinds[v.Kind], Name: unesc(v.Name), Enabled: v.Flags&FlagEnabled != 0,
		Managed: v.Flags&FlagManaged != 0, ProviderType: unesc(v.Provider), EnvironmentScope: unesc(v.Scope),
		NamespacePerEnvironment: v.Flags&FlagNamespacePerEnvironment != 0, UserID: v.UserID,
		CreatedAt: ParseTime(v.Created, time.Time{}), UpdatedAt: v.Updated, APIURL: unesc(v.APIURL), Token: v.Token,
		AuthorizationType: unesc(v.Authorization),
	}
	switch v.Kind {
	case 0:
		c.ProjectID = v.OwnerID
	case 1:
		c.GroupID = v.OwnerID
	}
	opt := func(f byte, s string) *string {
		if v.Flags&f == 0 {
			return nil
		}
		s = unesc(s)
		return &s
	}
	c.Domain, c.CACert, c.Namespace = opt(FlagDomain, v.Domain), opt(FlagCACert, v.CACert), opt(FlagNamespace, v.Namespace)
	if v.Flags&FlagManagement != 0 {
		m := v.Management
		c.ManagementProjectID = &m
	}
	if v.Flags&FlagGCP != 0 {
		c.GCP = &seed.ProviderGCP{GCPProjectID: v.GCPProject, Zone: v.Zone, MachineType: v.Machine,
			NumNodes: v.NumNodes, StatusName: v.GCPState, Endpoint: v.Endpoint}
	}
	return c
}

// appendMillis appends t in UTC as TimeLayout (2006-01-02T15:04:05.000Z) has it, without
// parsing the layout on every call; years outside 0-9999 go through AppendFormat.
func appendMillis(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, TimeLayout)
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	d2 := func(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
	b = d2(b, year/100)
	b = d2(b, year%100)
	b = append(b, '-')
	b = d2(b, int(month))
	b = append(b, '-')
	b = d2(b, day)
	b = append(b, 'T')
	b = d2(b, hour)
	b = append(b, ':')
	b = d2(b, minute)
	b = append(b, ':')
	b = d2(b, sec)
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	return b
}

// Scope is the cluster's environment Scope.
func (p Packed) Scope() string {
	var v View
	p.Decode(&v)
	return unesc(v.Scope)
}

// Seed is the cluster in the seed format, token included.
func (p Packed) Seed() seed.Cluster {
	c := p.Unpack()
	clusterType := c.Type
	if clusterType == ProjectType {
		clusterType = "" // the default: project clusters export as before
	}
	return seed.Cluster{
		ID: c.ID, ClusterType: clusterType, ProjectID: c.ProjectID, GroupID: c.GroupID, Name: c.Name, Domain: c.Domain, Enabled: c.Enabled, Managed: c.Managed,
		ProviderType: c.ProviderType, EnvironmentScope: c.EnvironmentScope, NamespacePerEnvironment: c.NamespacePerEnvironment,
		UserID: c.UserID, ManagementProjectID: c.ManagementProjectID, CreatedAt: FormatTime(c.CreatedAt),
		UpdatedAt: FormatTime(c.UpdatedAt), ProviderGCP: c.GCP,
		Platform: seed.Platform{APIURL: c.APIURL, Token: c.Token, CACert: c.CACert, Namespace: c.Namespace,
			AuthorizationType: c.AuthorizationType},
	}
}

func optLen(s *string) int {
	if s == nil {
		return 0
	}
	return len(*s)
}
