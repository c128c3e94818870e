package seed

import (
	"strconv"

	"github.com/glclusters/clustersapi/mockserver/internal/jsonesc"
)

// appendCluster appends c as encoding/json writes it (HTML escaping on, omitempty as the
// struct tags say), indented as json.MarshalIndent with prefix and "  " does, or compact.
// Written by hand: a state of a million clusters is written on every change with --state;
// encode_test.go checks it against encoding/json.
func appendCluster(b []byte, c *Cluster, compact bool, prefix string) []byte {
	o := objWriter{b: b, compact: compact, prefix: prefix}
	o.open()
	o.int("id", c.ID)
	if c.ClusterType != "" {
		o.str("cluster_type", c.ClusterType)
	}
	if c.ProjectID != 0 {
		o.int("project_id", c.ProjectID)
	}
	if c.GroupID != 0 {
		o.int("group_id", c.GroupID)
	}
	o.str("name", c.Name)
	if c.Domain != nil {
		o.str("domain", *c.Domain)
	}
	o.bool("enabled", c.Enabled)
	o.bool("managed", c.Managed)
	if c.ProviderType != "" {
		o.str("provider_type", c.ProviderType)
	}
	o.str("environment_scope", c.EnvironmentScope)
	o.bool("namespace_per_environment", c.NamespacePerEnvironment)
	o.int("user_id", c.UserID)
	if c.ManagementProjectID != nil {
		o.int("management_project_id", *c.ManagementProjectID)
	}
	o.str("created_at", c.CreatedAt)
	if c.UpdatedAt != "" {
		o.str("updated_at", c.UpdatedAt)
	}
	o.key("platform_kubernetes")
	o.open()
	p := &c.Platform
	o.str("api_url", p.APIURL)
	o.str("token", p.Token)
	if p.CACert != nil {
		o.str("ca_cert", *p.CACert)
	}
	if p.Namespace != nil {
		o.str("namespace", *p.Namespace)
	}
	if p.AuthorizationType != "" {
		o.str("authorization_type", p.AuthorizationType)
	}
	o.close()
	if g := c.ProviderGCP; g != nil {
		o.key("provider_gcp")
		o.open()
		o.str("gcp_project_id", g.GCPProjectID)
		o.str("zone", g.Zone)
		o.str("machine_type", g.MachineType)
		o.int("num_nodes", g.NumNodes)
		o.str("status_name", g.StatusName)
		o.str("endpoint", g.Endpoint)
		o.close()
	}
	o.close()
	return o.b
}

// objWriter writes nested JSON objects, indented or compact.
type objWriter struct {
	b       []byte
	compact bool
	prefix  string
	depth   int
	first   bool // no member in the open object yet
}

func (o *objWriter) newline() {
	if !o.compact {
		o.b = append(o.b, '\n')
		o.b = append(o.b, o.prefix...)
		for range o.depth {
			o.b = append(o.b, ' ', ' ')
		}
	}
}

func (o *objWriter) open() {
	o.b = append(o.b, '{')
	o.depth++
	o.first = true
}

func (o *objWriter) close() {
	o.depth--
	if !o.first { // encoding/json writes an empty object as {}
		o.newline()
	}
	o.b = append(o.b, '}')
	o.first = false
}

func (o *objWriter) key(k string) {
	if !o.first {
		o.b = append(o.b, ',')
	}
	o.first = false
	o.newline()
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
	if !o.compact {
		o.b = append(o.b, ' ')
	}
}

func (o *objWriter) str(k, v string) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = jsonesc.AppendHTML(o.b, v)
	o.b = append(o.b, '"')
}

func (o *objWriter) int(k string, v int) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, int64(v), 10)
}

func (o *objWriter) bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}
