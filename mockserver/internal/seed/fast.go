package seed

import (
	"strconv"
	"unicode/utf8"
)

// fastCluster decodes one element of a seed's clusters array, already checked to be
// valid JSON, the way encoding/json would, for the usual shape only: known keys in their own
// case, each once, strings without escapes, integers as digits, no null where encoding/json
// would keep the zero value. On anything else it returns false and the caller decodes the
// element with encoding/json, which also words the errors. A million clusters decode in a
// fraction of the time reflection takes; FuzzFastCluster holds it to encoding/json.
func fastCluster(raw []byte, c *Cluster) bool {
	p := fastParser{b: raw}
	ok := p.object(func(key string) bool { return p.clusterField(key, c) }) && p.end()
	return ok
}

type fastParser struct {
	b    []byte
	i    int
	seen uint64 // fields set, by bit: a repeated key goes to encoding/json
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) end() bool {
	p.ws()
	return p.i == len(p.b)
}

// object walks an object's members, calling field with each key once the value is next.
func (p *fastParser) object(field func(key string) bool) bool {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return false
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return true
	}
	for {
		key, ok := p.rawString()
		if !ok {
			return false
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return false
		}
		p.i++
		p.ws()
		if !field(key) {
			return false
		}
		p.ws()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.ws()
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

// rawString reads a string without escapes, in valid UTF-8 (else encoding/json's rules apply).
func (p *fastParser) rawString() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	for j := start; j < len(p.b); j++ {
		switch p.b[j] {
		case '\\':
			return "", false
		case '"':
			s := p.b[start:j]
			if !utf8.Valid(s) {
				return "", false
			}
			p.i = j + 1
			return string(s), true
		}
	}
	return "", false
}

func (p *fastParser) null() bool {
	if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

func (p *fastParser) optString() (*string, bool) {
	if p.null() {
		return nil, true
	}
	s, ok := p.rawString()
	return &s, ok
}

func (p *fastParser) int() (int, bool) {
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	n, err := strconv.Atoi(string(p.b[start:p.i]))
	return n, err == nil
}

func (p *fastParser) bool() (bool, bool) {
	switch {
	case len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "true":
		p.i += 4
		return true, true
	case len(p.b)-p.i >= 5 && string(p.b[p.i:p.i+5]) == "false":
		p.i += 5
		return false, true
	}
	return false, false
}

// once marks a field as set; false when it was set already.
func (p *fastParser) once(bit uint) bool {
	if p.seen&(1<<bit) != 0 {
		return false
	}
	p.seen |= 1 << bit
	return true
}

func (p *fastParser) str(bit uint, dst *string) bool {
	s, ok := p.rawString()
	*dst = s
	return ok && p.once(bit)
}

func (p *fastParser) optStr(bit uint, dst **string) bool {
	s, ok := p.optString()
	*dst = s
	return ok && p.once(bit)
}

func (p *fastParser) integer(bit uint, dst *int) bool {
	n, ok := p.int()
	*dst = n
	return ok && p.once(bit)
}

func (p *fastParser) boolean(bit uint, dst *bool) bool {
	v, ok := p.bool()
	*dst = v
	return ok && p.once(bit)
}

func (p *fastParser) clusterField(key string, c *Cluster) bool {
	switch key {
	case "id":
		return p.integer(0, &c.ID)
	case "cluster_type":
		return p.str(1, &c.ClusterType)
	case "project_id":
		return p.integer(2, &c.ProjectID)
	case "group_id":
		return p.integer(3, &c.GroupID)
	case "name":
		return p.str(4, &c.Name)
	case "domain":
		return p.optStr(5, &c.Domain)
	case "enabled":
		return p.boolean(6, &c.Enabled)
	case "managed":
		return p.boolean(7, &c.Managed)
	case "provider_type":
		return p.str(8, &c.ProviderType)
	case "environment_scope":
		return p.str(9, &c.EnvironmentScope)
	case "namespace_per_environment":
		return p.boolean(10, &c.NamespacePerEnvironment)
	case "user_id":
		return p.integer(11, &c.UserID)
	case "management_project_id":
		if p.null() {
			c.ManagementProjectID = nil
			return p.once(12)
		}
		n, ok := p.int()
		c.ManagementProjectID = &n
		return ok && p.once(12)
	case "created_at":
		return p.str(13, &c.CreatedAt)
	case "updated_at":
		return p.str(14, &c.UpdatedAt)
	case "platform_kubernetes":
		k := &c.Platform
		return p.once(15) && p.object(func(key string) bool {
			switch key {
			case "api_url":
				return p.str(20, &k.APIURL)
			case "token":
				return p.str(21, &k.Token)
			case "ca_cert":
				return p.optStr(22, &k.CACert)
			case "namespace":
				return p.optStr(23, &k.Namespace)
			case "authorization_type":
				return p.str(24, &k.AuthorizationType)
			}
			return false
		})
	case "provider_gcp":
		if !p.once(16) {
			return false
		}
		if p.null() {
			c.ProviderGCP = nil
			return true
		}
		g := &ProviderGCP{}
		c.ProviderGCP = g
		return p.object(func(key string) bool {
			switch key {
			case "gcp_project_id":
				return p.str(30, &g.GCPProjectID)
			case "zone":
				return p.str(31, &g.Zone)
			case "machine_type":
				return p.str(32, &g.MachineType)
			case "num_nodes":
				return p.integer(33, &g.NumNodes)
			case "status_name":
				return p.str(34, &g.StatusName)
			case "endpoint":
				return p.str(35, &g.Endpoint)
			}
			return false
		})
	}
	return false
}
