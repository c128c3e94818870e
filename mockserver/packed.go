package mockserver

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/glclusters/clustersapi/mockserver/internal/jsonesc"
)

// packed is a stored cluster: one immutable string holding every field, varint-encoded. A
// million clusters are a million small objects without pointers inside, which the garbage
// collector marks without scanning, instead of several live objects each (strings, pointers,
// a rendered copy). Handlers render straight from it (appendEntity); writes unpack it into a
// *cluster, change that, and pack a new one.
//
// Layout: id, kind, owner id (project or group; 0 for the instance), user id, flags,
// management project id (flag), updated (seconds, nanoseconds), created_at as rendered (only
// ever seen to the millisecond), then the strings name, environment scope, provider type,
// api_url, token, authorization type, and, when their flag is set, domain, ca_cert, namespace
// and the GCP provider's fields. The strings the entity shows (all but the token and the GCP
// fields) are kept as JSON escapes them, so a GET copies them: see esc and unesc.
type packed string

const (
	flagEnabled = 1 << iota
	flagManaged
	flagNamespacePerEnvironment
	flagManagement
	flagDomain
	flagCACert
	flagNamespace
	flagGCP
)

// Cluster kinds as one byte in a packed cluster.
var kinds = [...]string{projectType, groupType, instanceType}

func kindByte(kind string) byte {
	switch kind {
	case groupType:
		return 1
	case instanceType:
		return 2
	}
	return 0
}

// pack encodes c; c.id must be set.
func pack(c *cluster) packed {
	b := make([]byte, 0, 32+len(c.name)+len(c.environmentScope)+len(c.apiURL)+len(c.token)+len(ptrString(c.caCert)))
	b = binary.AppendUvarint(b, uint64(c.id))
	k := kindByte(c.clusterType)
	b = append(b, k)
	owner := 0
	switch k {
	case 0:
		owner = c.projectID
	case 1:
		owner = c.groupID
	}
	b = binary.AppendVarint(b, int64(owner))
	b = binary.AppendVarint(b, int64(c.userID))
	var flags byte
	set := func(on bool, f byte) {
		if on {
			flags |= f
		}
	}
	set(c.enabled, flagEnabled)
	set(c.managed, flagManaged)
	set(c.namespacePerEnvironment, flagNamespacePerEnvironment)
	set(c.managementProjectID != nil, flagManagement)
	set(c.domain != nil, flagDomain)
	set(c.caCert != nil, flagCACert)
	set(c.namespace != nil, flagNamespace)
	set(c.gcp != nil, flagGCP)
	b = append(b, flags)
	if c.managementProjectID != nil {
		b = binary.AppendVarint(b, int64(*c.managementProjectID))
	}
	b = binary.AppendVarint(b, c.updatedAt.Unix())
	b = binary.AppendUvarint(b, uint64(c.updatedAt.Nanosecond()))
	var created [40]byte
	t := appendMillis(created[:0], c.createdAt) // never needs escaping
	b = binary.AppendUvarint(b, uint64(len(t)))
	b = append(b, t...)
	for _, s := range [...]string{c.name, c.environmentScope, c.providerType, c.apiURL} {
		b = appendEscaped(b, s)
	}
	b = appendString(b, c.token)
	b = appendEscaped(b, c.authorizationType)
	for _, s := range [...]*string{c.domain, c.caCert, c.namespace} {
		if s != nil {
			b = appendEscaped(b, *s)
		}
	}
	if g := c.gcp; g != nil {
		for _, s := range [...]string{g.GCPProjectID, g.Zone, g.MachineType, g.StatusName, g.Endpoint} {
			b = appendString(b, s)
		}
		b = binary.AppendVarint(b, int64(g.NumNodes))
	}
	return packed(b)
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
		panic("mockserver: packed string: " + err.Error()) // we escaped it
	}
	return out
}

// view is a packed cluster decoded on the stack: its strings share the packed bytes, and
// those the entity shows are JSON-escaped (created is rendered already).
type view struct {
	id, owner, userID, management       int
	kind, flags                         byte
	created                             string
	updated                             time.Time
	name, scope, provider, apiURL       string
	token, authorization                string
	domain, caCert, namespace           string
	gcpProject, zone, machine, gcpState string
	endpoint                            string
	numNodes                            int
}

// reader walks a packed cluster. The bytes are ours, so it trusts them.
type reader struct {
	p packed
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

// id is the cluster's id, the first field.
func (p packed) id() int {
	r := reader{p: p}
	return int(r.uvarint())
}

func (p packed) decode(v *view) {
	r := reader{p: p}
	v.id = int(r.uvarint())
	v.kind = r.byte()
	v.owner = int(r.varint())
	v.userID = int(r.varint())
	v.flags = r.byte()
	if v.flags&flagManagement != 0 {
		v.management = int(r.varint())
	}
	sec := r.varint()
	v.updated = time.Unix(sec, int64(r.uvarint())).UTC()
	v.created = r.string()
	v.name, v.scope, v.provider, v.apiURL, v.token, v.authorization = r.string(), r.string(), r.string(), r.string(), r.string(), r.string()
	if v.flags&flagDomain != 0 {
		v.domain = r.string()
	}
	if v.flags&flagCACert != 0 {
		v.caCert = r.string()
	}
	if v.flags&flagNamespace != 0 {
		v.namespace = r.string()
	}
	if v.flags&flagGCP != 0 {
		v.gcpProject, v.zone, v.machine, v.gcpState, v.endpoint = r.string(), r.string(), r.string(), r.string(), r.string()
		v.numNodes = int(r.varint())
	}
}

// belongsTo is the project, group or instance the packed cluster belongs to.
func (p packed) belongsTo() clusterable {
	r := reader{p: p}
	r.uvarint()
	k := r.byte()
	return clusterable{kinds[k], int(r.varint())}
}

// unpack decodes a packed cluster into the working form that updates change.
func (p packed) unpack() *cluster {
	var v view
	p.decode(&v)
	c := &cluster{
		id: v.id, clusterType: kinds[v.kind], name: unesc(v.name), enabled: v.flags&flagEnabled != 0,
		managed: v.flags&flagManaged != 0, providerType: unesc(v.provider), environmentScope: unesc(v.scope),
		namespacePerEnvironment: v.flags&flagNamespacePerEnvironment != 0, userID: v.userID,
		createdAt: parseTime(v.created, time.Time{}), updatedAt: v.updated, apiURL: unesc(v.apiURL), token: v.token,
		authorizationType: unesc(v.authorization),
	}
	switch v.kind {
	case 0:
		c.projectID = v.owner
	case 1:
		c.groupID = v.owner
	}
	opt := func(f byte, s string) *string {
		if v.flags&f == 0 {
			return nil
		}
		s = unesc(s)
		return &s
	}
	c.domain, c.caCert, c.namespace = opt(flagDomain, v.domain), opt(flagCACert, v.caCert), opt(flagNamespace, v.namespace)
	if v.flags&flagManagement != 0 {
		m := v.management
		c.managementProjectID = &m
	}
	if v.flags&flagGCP != 0 {
		c.gcp = &SeedProviderGCP{GCPProjectID: v.gcpProject, Zone: v.zone, MachineType: v.machine,
			NumNodes: v.numNodes, StatusName: v.gcpState, Endpoint: v.endpoint}
	}
	return c
}

// appendEntity appends the cluster's Entities::Cluster (GitLab's field order), with its user's
// and management project's JSON, which st renders once. Written by hand: every list item and
// every create and update pays for it. The token is not part of it, by construction.
// render_internal_test.go checks it against encoding/json.
func (st *state) appendEntity(b []byte, p packed) []byte {
	var v view
	p.decode(&v)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(v.id), 10)
	b = append(b, `,"name":`...)
	b = appendQuoted(b, v.name)
	b = append(b, `,"created_at":`...)
	b = appendQuoted(b, v.created)
	b = append(b, `,"domain":`...)
	b = appendOptString(b, v.flags&flagDomain != 0, v.domain)
	b = append(b, `,"enabled":`...)
	b = strconv.AppendBool(b, v.flags&flagEnabled != 0)
	b = append(b, `,"managed":`...)
	b = strconv.AppendBool(b, v.flags&flagManaged != 0)
	b = append(b, `,"provider_type":`...)
	b = appendQuoted(b, v.provider)
	b = append(b, `,"platform_type":"kubernetes","environment_scope":`...)
	b = appendQuoted(b, v.scope)
	b = append(b, `,"cluster_type":"`...)
	b = append(b, kinds[v.kind]...)
	b = append(b, `","namespace_per_environment":`...)
	b = strconv.AppendBool(b, v.flags&flagNamespacePerEnvironment != 0)
	b = append(b, `,"user":`...)
	if u := st.users[v.userID]; u != nil {
		b = append(b, u.basic...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"platform_kubernetes":{"api_url":`...)
	b = appendQuoted(b, v.apiURL)
	b = append(b, `,"namespace":`...)
	b = appendOptString(b, v.flags&flagNamespace != 0, v.namespace)
	b = append(b, `,"authorization_type":`...)
	b = appendQuoted(b, v.authorization)
	b = append(b, `,"ca_cert":`...)
	b = appendOptString(b, v.flags&flagCACert != 0, v.caCert)
	b = append(b, `},"provider_gcp":`...)
	if v.flags&flagGCP != 0 {
		b = append(b, mustJSON(gcpEntity{ClusterID: v.id, StatusName: v.gcpState, GCPProjectID: v.gcpProject,
			Zone: v.zone, MachineType: v.machine, NumNodes: v.numNodes, Endpoint: v.endpoint})...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"management_project":`...)
	if p := st.projects[v.management]; v.flags&flagManagement != 0 && p != nil {
		b = append(b, p.identity...)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

// appendQuoted appends an escaped string in quotes.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendOptString(b []byte, ok bool, s string) []byte {
	if !ok {
		return append(b, "null"...)
	}
	return appendQuoted(b, s)
}

// appendMillis appends t in UTC as timeLayout (2006-01-02T15:04:05.000Z) has it, without
// parsing the layout on every call; years outside 0-9999 go through AppendFormat.
func appendMillis(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, timeLayout)
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

// scope is the cluster's environment scope.
func (p packed) scope() string {
	var v view
	p.decode(&v)
	return unesc(v.scope)
}

// seedCluster is the cluster in the seed format, token included.
func (p packed) seedCluster() SeedCluster {
	c := p.unpack()
	clusterType := c.clusterType
	if clusterType == projectType {
		clusterType = "" // the default: project clusters export as before
	}
	return SeedCluster{
		ID: c.id, ClusterType: clusterType, ProjectID: c.projectID, GroupID: c.groupID, Name: c.name, Domain: c.domain, Enabled: c.enabled, Managed: c.managed,
		ProviderType: c.providerType, EnvironmentScope: c.environmentScope, NamespacePerEnvironment: c.namespacePerEnvironment,
		UserID: c.userID, ManagementProjectID: c.managementProjectID, CreatedAt: formatTime(c.createdAt),
		UpdatedAt: formatTime(c.updatedAt), ProviderGCP: c.gcp,
		Platform: SeedPlatform{APIURL: c.apiURL, Token: c.token, CACert: c.caCert, Namespace: c.namespace,
			AuthorizationType: c.authorizationType},
	}
}
