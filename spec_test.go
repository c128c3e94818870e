package clustersapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v4"

	clustersapi "github.com/glclusters/clustersapi"
	"github.com/glclusters/clustersapi/fixtures"
)

// location names one body in the spec: an operation and a status, or "request".
type location struct{ op, part, media string }

func (l location) String() string { return l.op + "." + l.part + " " + l.media }

// schemaPair is the same schema as each library sees it.
type schemaPair struct {
	kin *openapi3.Schema
	pb  *base.Schema
}

func loadKin(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(clustersapi.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

// bodySchemas maps every request and response body of the spec to its schema in both libraries,
// and collects the examples kin-openapi sees there.
func bodySchemas(t *testing.T) (map[location]schemaPair, map[location]map[string]any) {
	t.Helper()
	kdoc := loadKin(t)
	pdoc, err := libopenapi.NewDocument(clustersapi.OpenAPI)
	require.NoError(t, err)
	model, err := pdoc.BuildV3Model()
	require.NoError(t, err)

	schemas := map[location]schemaPair{}
	examples := map[location]map[string]any{}
	for p, item := range model.Model.Paths.PathItems.FromOldest() {
		kitem := kdoc.Paths.Find(p)
		require.NotNil(t, kitem, p)
		for method, op := range item.GetOperations().FromOldest() {
			kop := kitem.GetOperation(strings.ToUpper(method))
			require.NotNil(t, kop, method+" "+p)
			add := func(part, media string, pb *base.Schema, kin *openapi3.MediaType) {
				loc := location{op.OperationId, part, media}
				schemas[loc] = schemaPair{kin: kin.Schema.Value, pb: pb}
				for name, ex := range kin.Examples {
					if examples[loc] == nil {
						examples[loc] = map[string]any{}
					}
					examples[loc][name] = ex.Value.Value
				}
			}
			if op.RequestBody != nil {
				for media, mt := range op.RequestBody.Content.FromOldest() {
					add("request", media, mt.Schema.Schema(), kop.RequestBody.Value.Content.Get(media))
				}
			}
			for code, resp := range op.Responses.Codes.FromOldest() {
				if resp.Content == nil {
					continue
				}
				for media, mt := range resp.Content.FromOldest() {
					add(code, media, mt.Schema.Schema(), kop.Responses.Value(code).Value.Content.Get(media))
				}
			}
		}
	}
	return schemas, examples
}

// validateBoth checks value against the schema with kin-openapi and libopenapi-validator.
func validateBoth(t *testing.T, s schemaPair, value any) {
	t.Helper()
	raw, err := json.Marshal(value)
	require.NoError(t, err)
	var decoded any
	require.NoError(t, json.Unmarshal(raw, &decoded))
	require.NoError(t, s.kin.VisitJSON(decoded), "kin-openapi")
	ok, errs := schema_validation.NewSchemaValidator(config.WithFormatAssertions()).ValidateSchemaBytesWithVersion(s.pb, raw, 3.0)
	if !ok {
		for _, e := range errs {
			t.Errorf("libopenapi-validator: %s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  %s: %s", se.FieldPath, se.Reason)
			}
		}
	}
}

func TestSpecLoadsInBothLibraries(t *testing.T) {
	kdoc := loadKin(t)
	require.Equal(t, "3.0.3", kdoc.OpenAPI)
	require.Equal(t, "/api/v4", kdoc.Servers[0].URL, "a relative server routes on any host")

	pdoc, err := libopenapi.NewDocument(clustersapi.OpenAPI)
	require.NoError(t, err)
	_, err = pdoc.BuildV3Model()
	require.NoError(t, err)
}

func TestSpecOperations(t *testing.T) {
	kdoc := loadKin(t)
	want := map[string]bool{ // operationId -> deprecated
		"getApiV4Version":                        false,
		"getApiV4User":                           false,
		"getApiV4ProjectsIdClusters":             true,
		"getApiV4ProjectsIdClustersClusterId":    true,
		"postApiV4ProjectsIdClustersUser":        true,
		"putApiV4ProjectsIdClustersClusterId":    true,
		"deleteApiV4ProjectsIdClustersClusterId": true,
		"getApiV4GroupsIdClusters":               true,
		"getApiV4GroupsIdClustersClusterId":      true,
		"postApiV4GroupsIdClustersUser":          true,
		"putApiV4GroupsIdClustersClusterId":      true,
		"deleteApiV4GroupsIdClustersClusterId":   true,
		"getApiV4AdminClusters":                  true,
		"getApiV4AdminClustersClusterId":         true,
		"postApiV4AdminClustersAdd":              true,
		"putApiV4AdminClustersClusterId":         true,
		"deleteApiV4AdminClustersClusterId":      true,
		"getApiV4DiscoverCertBasedClusters":      false,
		"getApiV4ProjectsId":                     false,
		"getApiV4Projects":                       false,
		"getApiV4GroupsId":                       false,
		"getApiV4Groups":                         false,
		"getApiV4GroupsIdProjects":               false,
		"getApiV4GroupsIdSubgroups":              false,
		"getApiV4NamespacesId":                   false,
		"getApiV4ProjectsIdMembersAll":           false,
		"getApiV4GroupsIdMembersAll":             false,
		"getApiV4UsersId":                        false,
		"getApiV4ProjectsIdPushRule":             false,
	}
	got := map[string]bool{}
	for _, item := range kdoc.Paths.Map() {
		for _, op := range item.Operations() {
			got[op.OperationID] = op.Deprecated
			if op.Deprecated {
				require.Contains(t, op.Description, "14.5", op.OperationID)
				require.Contains(t, op.Description, "certificate_based_clusters", op.OperationID)
			}
		}
	}
	require.Equal(t, want, got)
}

func TestEveryExampleValidates(t *testing.T) {
	schemas, examples := bodySchemas(t)
	var locs []location
	for loc := range examples {
		locs = append(locs, loc)
	}
	sort.Slice(locs, func(i, j int) bool { return locs[i].String() < locs[j].String() })
	seen := map[string]bool{}
	for _, loc := range locs {
		for name, value := range examples[loc] {
			seen[loc.op] = true
			t.Run(loc.String()+"/"+name, func(t *testing.T) { validateBoth(t, schemas[loc], value) })
		}
	}
	for _, op := range []string{"getApiV4ProjectsIdClusters", "getApiV4ProjectsIdClustersClusterId",
		"postApiV4ProjectsIdClustersUser", "putApiV4ProjectsIdClustersClusterId", "deleteApiV4ProjectsIdClustersClusterId",
		"getApiV4GroupsIdClusters", "getApiV4GroupsIdClustersClusterId", "postApiV4GroupsIdClustersUser",
		"putApiV4GroupsIdClustersClusterId", "deleteApiV4GroupsIdClustersClusterId",
		"getApiV4AdminClusters", "getApiV4AdminClustersClusterId", "postApiV4AdminClustersAdd",
		"putApiV4AdminClustersClusterId", "deleteApiV4AdminClustersClusterId", "getApiV4DiscoverCertBasedClusters",
		"getApiV4ProjectsId", "getApiV4Projects", "getApiV4GroupsId", "getApiV4Groups", "getApiV4GroupsIdProjects",
		"getApiV4GroupsIdSubgroups", "getApiV4NamespacesId", "getApiV4ProjectsIdMembersAll", "getApiV4GroupsIdMembersAll",
		"getApiV4UsersId"} {
		require.True(t, seen[op], "%s has no example", op)
	}
}

// TestExamplesFailWhenBroken proves the example check can fail: a docs example with a field
// removed, retyped or out of its enum must be rejected by both libraries.
func TestExamplesFailWhenBroken(t *testing.T) {
	schemas, examples := bodySchemas(t)
	loc := location{"getApiV4ProjectsIdClustersClusterId", "200", "application/json"}
	good := examples[loc]["cluster"].(map[string]any)
	for name, mutate := range map[string]func(map[string]any){
		"missing required":  func(m map[string]any) { delete(m, "cluster_type") },
		"wrong type":        func(m map[string]any) { m["id"] = "18" },
		"outside enum":      func(m map[string]any) { m["platform_type"] = "nomad" },
		"bad date-time":     func(m map[string]any) { m["created_at"] = "yesterday" },
		"null not nullable": func(m map[string]any) { m["enabled"] = nil },
		"leaked token":      func(m map[string]any) { m["platform_kubernetes"].(map[string]any)["token"] = "secret-k8s-token" },
	} {
		t.Run(name, func(t *testing.T) {
			raw, _ := json.Marshal(good)
			var bad map[string]any
			require.NoError(t, json.Unmarshal(raw, &bad))
			mutate(bad)
			raw, _ = json.Marshal(bad)
			var decoded any
			require.NoError(t, json.Unmarshal(raw, &decoded))
			require.Error(t, schemas[loc].kin.VisitJSON(decoded), "kin-openapi")
			ok, _ := schema_validation.NewSchemaValidator(config.WithFormatAssertions()).ValidateSchemaBytesWithVersion(schemas[loc].pb, raw, 3.0)
			require.False(t, ok, "libopenapi-validator")
		})
	}
}

// TestFamilyExamplesFailWhenBroken proves the group, instance and discovery schemas can fail:
// each mutation of a valid example breaks what GitLab's entity guarantees there.
func TestFamilyExamplesFailWhenBroken(t *testing.T) {
	schemas, examples := bodySchemas(t)
	cases := []struct {
		name    string
		loc     location
		example string
		mutate  func(map[string]any)
	}{
		{"group cluster without group", location{"getApiV4GroupsIdClustersClusterId", "200", "application/json"}, "cluster",
			func(m map[string]any) { delete(m, "group") }},
		{"group cluster of project type", location{"getApiV4GroupsIdClustersClusterId", "200", "application/json"}, "cluster",
			func(m map[string]any) { m["cluster_type"] = "project_type" }},
		{"group without web_url", location{"postApiV4GroupsIdClustersUser", "201", "application/json"}, "added",
			func(m map[string]any) { delete(m["group"].(map[string]any), "web_url") }},
		{"group cluster leaks its token", location{"putApiV4GroupsIdClustersClusterId", "200", "application/json"}, "edited",
			func(m map[string]any) {
				m["platform_kubernetes"].(map[string]any)["token"] = "seed-group-cluster-token"
			}},
		{"instance cluster of group type", location{"getApiV4AdminClustersClusterId", "200", "application/json"}, "cluster",
			func(m map[string]any) { m["cluster_type"] = "group_type" }},
		{"instance edit without project", location{"putApiV4AdminClustersClusterId", "200", "application/json"}, "edited",
			func(m map[string]any) { delete(m, "project") }},
		{"instance edit with a project", location{"putApiV4AdminClustersClusterId", "200", "application/json"}, "edited",
			func(m map[string]any) { m["project"] = map[string]any{"id": 1} }},
		{"instance cluster leaks its token", location{"postApiV4AdminClustersAdd", "201", "application/json"}, "added",
			func(m map[string]any) {
				m["platform_kubernetes"].(map[string]any)["token"] = "seed-instance-cluster-token"
			}},
		{"discovery without projects", location{"getApiV4DiscoverCertBasedClusters", "200", "application/json"}, "discovered",
			func(m map[string]any) { delete(m, "projects") }},
		{"discovered cluster without name", location{"getApiV4DiscoverCertBasedClusters", "200", "application/json"}, "discovered",
			func(m map[string]any) {
				delete(m["groups"].(map[string]any)["platform"].([]any)[0].(map[string]any), "name")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			good, ok := examples[tc.loc][tc.example].(map[string]any)
			require.True(t, ok, "no example %s at %s", tc.example, tc.loc)
			validateBoth(t, schemas[tc.loc], good)
			raw, _ := json.Marshal(good)
			var bad map[string]any
			require.NoError(t, json.Unmarshal(raw, &bad))
			tc.mutate(bad)
			raw, _ = json.Marshal(bad)
			var decoded any
			require.NoError(t, json.Unmarshal(raw, &decoded))
			require.Error(t, schemas[tc.loc].kin.VisitJSON(decoded), "kin-openapi")
			ok, _ = schema_validation.NewSchemaValidator(config.WithFormatAssertions()).ValidateSchemaBytesWithVersion(schemas[tc.loc].pb, raw, 3.0)
			require.False(t, ok, "libopenapi-validator")
		})
	}
}

// TestDocsFixtures validates fixtures/docs/<operationId>.<status|request>.json against the
// operation's schema and checks that each equals the spec's example of the same body.
func TestDocsFixtures(t *testing.T) {
	schemas, examples := bodySchemas(t)
	files, err := fs.Glob(fixtures.FS, "docs/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(path.Base(file), func(t *testing.T) {
			parts := strings.Split(strings.TrimSuffix(path.Base(file), ".json"), ".")
			require.Len(t, parts, 2, "name files <operationId>.<status|request>.json")
			loc := location{parts[0], parts[1], "application/json"}
			s, ok := schemas[loc]
			require.True(t, ok, "no body in the spec at %s", loc)
			raw, err := fs.ReadFile(fixtures.FS, file)
			require.NoError(t, err)
			var value any
			dec := json.NewDecoder(bytes.NewReader(raw))
			require.NoError(t, dec.Decode(&value))
			validateBoth(t, s, value)
			var matched bool
			for _, ex := range examples[loc] {
				a, _ := json.Marshal(ex)
				b, _ := json.Marshal(value)
				matched = matched || bytes.Equal(a, b)
			}
			require.True(t, matched, "%s differs from every example in openapi.yaml at %s", file, loc)
		})
	}
}

// TestSpecIsYAML guards against tabs and duplicate keys that some YAML parsers accept.
func TestSpecIsYAML(t *testing.T) {
	var node yaml.Node
	require.NoError(t, yaml.Unmarshal(clustersapi.OpenAPI, &node))
}
