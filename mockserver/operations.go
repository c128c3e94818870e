package mockserver

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"go.yaml.in/yaml/v4"
)

// The operationIds of openapi.yaml, for JournalFilter.Operation and Fault.Operation.
const (
	OpVersion       = "getApiV4Version"
	OpUser          = "getApiV4User"
	OpListClusters  = "getApiV4ProjectsIdClusters"
	OpGetCluster    = "getApiV4ProjectsIdClustersClusterId"
	OpCreateCluster = "postApiV4ProjectsIdClustersUser"
	OpUpdateCluster = "putApiV4ProjectsIdClustersClusterId"
	OpDeleteCluster = "deleteApiV4ProjectsIdClustersClusterId"

	OpListGroupClusters  = "getApiV4GroupsIdClusters"
	OpGetGroupCluster    = "getApiV4GroupsIdClustersClusterId"
	OpCreateGroupCluster = "postApiV4GroupsIdClustersUser"
	OpUpdateGroupCluster = "putApiV4GroupsIdClustersClusterId"
	OpDeleteGroupCluster = "deleteApiV4GroupsIdClustersClusterId"

	OpListInstanceClusters  = "getApiV4AdminClusters"
	OpGetInstanceCluster    = "getApiV4AdminClustersClusterId"
	OpAddInstanceCluster    = "postApiV4AdminClustersAdd"
	OpUpdateInstanceCluster = "putApiV4AdminClustersClusterId"
	OpDeleteInstanceCluster = "deleteApiV4AdminClustersClusterId"

	OpDiscoverClusters = "getApiV4DiscoverCertBasedClusters"

	// The read API of what clients look up before their clusters.
	OpGetProject         = "getApiV4ProjectsId"
	OpListProjects       = "getApiV4Projects"
	OpGetGroup           = "getApiV4GroupsId"
	OpListGroups         = "getApiV4Groups"
	OpListGroupProjects  = "getApiV4GroupsIdProjects"
	OpListSubgroups      = "getApiV4GroupsIdSubgroups"
	OpGetNamespace       = "getApiV4NamespacesId"
	OpListProjectMembers = "getApiV4ProjectsIdMembersAll"
	OpListGroupMembers   = "getApiV4GroupsIdMembersAll"
	OpGetUserByID        = "getApiV4UsersId"
	OpPushRule           = "getApiV4ProjectsIdPushRule" // Enterprise Edition only: CE's catch-all answers
)

// operation is one route of the spec, ready to validate requests.
type operation struct {
	id     string
	method string
	path   string // the spec's template, e.g. /projects/{id}/clusters
	route  *routers.Route
	// order lists body parameter names in declaration order (Grape reports errors in it);
	// worked out on the first parameter error, as only errors need it.
	order     []string
	orderOnce sync.Once
	spec      []byte
	// not holds query parameters' `not` schemas, which kin-openapi cannot decode: the mock
	// checks them after kin has validated the rest ("per_page has a value not allowed").
	not map[string]*openapi3.Schema
	// trivial: no required query parameter or header, and only path parameters that are
	// strings whose one rule, no '/', the router already enforces. A request to it without a
	// query string cannot break the spec's parameters, so kin-openapi is not asked about them.
	trivial bool
	// bodySchemas maps a request media type to its schema, for defaults.
	bodySchemas map[string]*openapi3.Schema
}

// loadOperations parses the spec once and prepares every operation.
func loadOperations(spec []byte) (map[string]*operation, error) {
	doc, err := specDoc(spec)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	// doc.Validate is left to the spec's own tests: it would cost every start a millisecond.
	ops := map[string]*operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := &operation{id: op.OperationID, method: method, path: path, not: map[string]*openapi3.Schema{},
				bodySchemas: map[string]*openapi3.Schema{}, spec: spec}
			params := slices.Clone(op.Parameters)
			params = append(params, item.Parameters...)
			for i, p := range params {
				if s := p.Value.Schema; s != nil && s.Value.Not != nil {
					o.not[p.Value.Name] = s.Value.Not.Value
					// Validate with a copy of the parameter that has no `not`.
					schema := *s.Value
					schema.Not = nil
					param := *p.Value
					param.Schema = openapi3.NewSchemaRef("", &schema)
					params[i] = &openapi3.ParameterRef{Value: &param}
				}
			}
			opCopy := *op
			opCopy.Parameters = params
			// No security requirements for kin-openapi to check: the mock authenticates first,
			// GitLab's way, and kin-openapi's check could only pass (NoopAuthenticationFunc).
			opCopy.Security = &openapi3.SecurityRequirements{}
			itemCopy := *item
			itemCopy.Parameters = nil
			o.route = &routers.Route{Spec: doc, Path: path, PathItem: &itemCopy, Method: method, Operation: &opCopy}
			if op.RequestBody != nil {
				for media, mt := range op.RequestBody.Value.Content {
					o.bodySchemas[media] = mt.Schema.Value
				}
			}
			o.trivial = isTrivial(&opCopy)
			ops[o.id] = o
		}
	}
	return ops, nil
}

// routerPatterns are path parameter patterns every value the router hands over matches: one
// non-empty escaped segment (ProjectId's pattern also admits the decoded full path).
var routerPatterns = []string{"^[^/]+$", "^[^/]+(/[^/]+)*$"}

func isTrivial(op *openapi3.Operation) bool {
	for _, p := range op.Parameters {
		v := p.Value
		switch v.In {
		case openapi3.ParameterInPath:
			s := v.Schema.Value
			if !s.Type.Is("string") || (s.Pattern != "" && !slices.Contains(routerPatterns, s.Pattern)) || s.MinLength > 0 || s.MaxLength != nil || len(s.Enum) > 0 || s.Format != "" {
				return false
			}
		default:
			if v.Required {
				return false
			}
		}
	}
	return true
}

// propertyOrders reads the declaration order of every component schema's properties, which
// kin-openapi's maps lose.
func propertyOrders(spec []byte) (map[string][]string, error) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties yaml.Node `yaml:"properties"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for name, s := range doc.Components.Schemas {
		for i := 0; i+1 < len(s.Properties.Content); i += 2 {
			out[name] = append(out[name], s.Properties.Content[i].Value)
		}
	}
	return out, nil
}

// flattenOrder lists a body's parameters Grape-style: nested ones as parent[child].
func flattenOrder(ref *openapi3.SchemaRef, orders map[string][]string, prefix string) []string {
	var out []string
	for _, name := range orders[strings.TrimPrefix(ref.Ref, "#/components/schemas/")] {
		full := name
		if prefix != "" {
			full = prefix + "[" + name + "]"
		}
		out = append(out, full)
		if child := ref.Value.Properties[name]; child != nil && child.Ref != "" {
			out = append(out, flattenOrder(child, orders, full)...)
		}
	}
	return out
}
