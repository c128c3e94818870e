package contract

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCompareValue(t *testing.T) {
	volatile := map[string]bool{"id": true, "created_at": true}
	cases := []struct {
		name     string
		expected any
		actual   any
		pinned   map[string]bool
		want     []mismatch
	}{
		{"equal subset", map[string]any{"a": 1.0}, map[string]any{"a": 1.0, "b": 2.0}, nil, nil},
		{"different value", map[string]any{"a": 1.0}, map[string]any{"a": 2.0}, nil, []mismatch{{"$.a", "1", "2"}}},
		{"missing key", map[string]any{"a": 1.0}, map[string]any{}, nil, []mismatch{{"$.a", "1", "absent"}}},
		{"nested", map[string]any{"p": map[string]any{"n": "x"}}, map[string]any{"p": map[string]any{"n": "y"}}, nil, []mismatch{{"$.p.n", `"x"`, `"y"`}}},
		{"dotted key", map[string]any{"m": map[string]any{"a.b": "x"}}, map[string]any{"m": map[string]any{"a.b": "y"}}, nil, []mismatch{{"$.m['a.b']", `"x"`, `"y"`}}},
		{"type mismatch", map[string]any{"a": "1"}, map[string]any{"a": 1.0}, nil, []mismatch{{"$.a", `"1"`, "1"}}},
		{"null expected", map[string]any{"d": nil}, map[string]any{"d": "x"}, nil, []mismatch{{"$.d", "null", `"x"`}}},
		{"volatile by type", map[string]any{"id": 1.0, "created_at": "2019-01-01T00:00:00Z"}, map[string]any{"id": 99.0, "created_at": "2025-05-05T05:05:05.123Z"}, nil, nil},
		{"volatile wrong type", map[string]any{"id": 1.0}, map[string]any{"id": "99"}, nil, []mismatch{{"$.id", "1", `"99"`}}},
		{"pinned volatile is exact", map[string]any{"id": 20.0}, map[string]any{"id": 21.0}, map[string]bool{"$.id": true}, []mismatch{{"$.id", "20", "21"}}},
		{"@any", map[string]any{"a": "@any"}, map[string]any{"a": []any{}}, nil, nil},
		{"@any absent", map[string]any{"a": "@any"}, map[string]any{}, nil, []mismatch{{"$.a", "present", "absent"}}},
		{"@absent ok", map[string]any{"project": "@absent"}, map[string]any{}, nil, nil},
		{"@absent present", map[string]any{"project": "@absent"}, map[string]any{"project": 1.0}, nil, []mismatch{{"$.project", "absent", "1"}}},
		{"@type integer", map[string]any{"a": "@type:integer"}, map[string]any{"a": 3.0}, nil, nil},
		{"@type integer fails on float", map[string]any{"a": "@type:integer"}, map[string]any{"a": 3.5}, nil, []mismatch{{"$.a", "an integer", "3.5"}}},
		{"@type date-time", map[string]any{"a": "@type:date-time"}, map[string]any{"a": "2019-01-02T20:18:12.563Z"}, nil, nil},
		{"@type date-time fails", map[string]any{"a": "@type:date-time"}, map[string]any{"a": "yesterday"}, nil, []mismatch{{"$.a", "a date-time", `"yesterday"`}}},
		{"@prefix", map[string]any{"a": "@prefix:is blocked: "}, map[string]any{"a": "is blocked: loopback"}, nil, nil},
		{"@regex", map[string]any{"m": "@regex:^404 Not [Ff]ound$"}, map[string]any{"m": "404 Not found"}, nil, nil},
		{"@anyprefix", map[string]any{"e": "@anyprefix:cannot add"}, map[string]any{"e": []any{"x", "cannot add duplicated environment scope"}}, nil, nil},
		{"@anyprefix fails", map[string]any{"e": "@anyprefix:cannot add"}, map[string]any{"e": []any{"x"}}, nil, []mismatch{{"$.e", `an array with an item starting with "cannot add"`, `["x"]`}}},
		{"array element", []any{map[string]any{"id": "@type:integer", "n": "a"}}, []any{map[string]any{"id": 1.0, "n": "b"}}, nil, []mismatch{{"$[0].n", `"a"`, `"b"`}}},
		{"array of another length, index by index", map[string]any{"a": []any{1.0, 2.0, 3.0}}, map[string]any{"a": []any{1.0, 3.0}}, nil,
			[]mismatch{{"$.a[1]", "2", "3"}, {"$.a[2]", "3", "absent"}}},
		{"extra key in an array of another length", []any{map[string]any{"id": "x"}}, []any{map[string]any{"id": "x", "n": 1.0}, map[string]any{}}, nil,
			[]mismatch{{"$[0].n", "absent", "1"}, {"$[1]", "absent", "{}"}}},
		{"actual value that reads as a matcher", map[string]any{"a": "@any", "b": "x"}, map[string]any{"a": "@type:string", "b": "@any"}, nil,
			[]mismatch{{"$.b", `"x"`, `"@any"`}}},
		{"root matcher", "@type:array", []any{}, nil, nil},
		{"root matcher fails", "@type:array", map[string]any{}, nil, []mismatch{{"$", "an array", "{}"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := compareValue(tc.expected, tc.actual, volatile, tc.pinned)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestJSONPath(t *testing.T) {
	doc := map[string]any{"id": 1.0, "items": []any{map[string]any{"id": 2.0}, map[string]any{"id": 3.0}}, "a.b": "x"}
	cases := []struct {
		path string
		want any
		ok   bool
	}{
		{"$", doc, true},
		{"$.id", 1.0, true},
		{"$.items[1].id", 3.0, true},
		{"$.items[*].id", []any{2.0, 3.0}, true},
		{"$['a.b']", "x", true},
		{"$.nope", nil, false},
		{"$.items[5]", nil, false},
	}
	for _, tc := range cases {
		got, ok := lookupJSONPath(doc, tc.path)
		require.Equal(t, tc.ok, ok, tc.path)
		require.Equal(t, tc.want, got, tc.path)
	}
	for _, bad := range []string{"id", "$.", "$[x]", "$['a"} {
		_, err := parseJSONPath(bad)
		require.Error(t, err, bad)
	}
	require.Equal(t, "$[*].platform_kubernetes.ca_cert", genericPath("$[12].platform_kubernetes.ca_cert"))
}

func TestSpecLocate(t *testing.T) {
	spec, err := loadDefaultSpec()
	require.NoError(t, err)
	cases := []struct{ pointer, want string }{
		{"#/paths/~1projects~1{id}~1clusters~1{cluster_id}/get/responses/200/content/application~1json/schema/allOf/0/$ref/properties/id/type",
			"#/components/schemas/Cluster/properties/id/type"},
		{"#/paths/~1projects~1{id}~1clusters~1{cluster_id}/get/responses/404/content/application~1json/schema/required",
			"#/components/schemas/Message/required"},
		{"#/paths/~1projects~1{id}~1clusters/get/responses/200/headers/X-Total", "#/paths/~1projects~1{id}~1clusters/get/responses/200/headers/X-Total"},
		{"#/components/schemas/Cluster/properties/nope", "#/components/schemas/Cluster/properties"},
	}
	for _, tc := range cases {
		got, line := spec.locate(tc.pointer)
		require.Equal(t, tc.want, got, tc.pointer)
		require.Greater(t, line, 1, tc.pointer)
	}
	op := spec.route("GET", "/projects/demo-group%2Fdemo/clusters/18?x=1")
	require.Equal(t, "getApiV4ProjectsIdClustersClusterId", op.ID)
	require.Equal(t, "postApiV4ProjectsIdClustersUser", spec.route("POST", "/projects/1/clusters/user").ID)
	require.Nil(t, spec.route("GET", "/projects/1/clusters/18/extra"))
	c := &checker{spec: spec}
	require.Contains(t, c.fieldLocation(op, 200, "$.platform_kubernetes.namespace"), "#/components/schemas/PlatformKubernetes/properties/namespace")
	require.Contains(t, c.fieldLocation(op, 200, "$.project.id"), "#/components/schemas/BasicProjectDetails/properties/id")
}

func TestParseScenarioErrors(t *testing.T) {
	for name, raw := range map[string]string{
		"unknown key":     `{"name":"s","steps":[{"name":"a","request":{"method":"GET","path":"/x"},"expect":{"status":200},"captur":{}}]}`,
		"no steps":        `{"name":"s","steps":[]}`,
		"no name":         `{"steps":[{"name":"a","request":{"method":"GET","path":"/x"},"expect":{"status":200}}]}`,
		"duplicate step":  `{"name":"s","steps":[{"name":"a","request":{"method":"GET","path":"/x"},"expect":{"status":200}},{"name":"a","request":{"method":"GET","path":"/x"},"expect":{"status":200}}]}`,
		"bad method":      `{"name":"s","steps":[{"name":"a","request":{"method":"FETCH","path":"/x"},"expect":{"status":200}}]}`,
		"relative path":   `{"name":"s","steps":[{"name":"a","request":{"method":"GET","path":"x"},"expect":{"status":200}}]}`,
		"no status":       `{"name":"s","steps":[{"name":"a","request":{"method":"GET","path":"/x"},"expect":{}}]}`,
		"write not asked": `{"name":"s","steps":[{"name":"a","request":{"method":"DELETE","path":"/x"},"expect":{"status":204}}]}`,
		"bad capture":     `{"name":"s","steps":[{"name":"a","request":{"method":"GET","path":"/x"},"expect":{"status":200},"capture":{"x":"id"}}]}`,
		"foreach w/o as":  `{"name":"s","steps":[{"name":"a","foreach":"x","request":{"method":"GET","path":"/x"},"expect":{"status":200}}]}`,
		"paginate a POST": `{"name":"s","write":true,"steps":[{"name":"a","paginate":{"perPage":1},"request":{"method":"POST","path":"/x"},"expect":{"status":200}}]}`,
		"bad auth":        `{"name":"s","steps":[{"name":"a","request":{"method":"GET","path":"/x","auth":"root"},"expect":{"status":200}}]}`,
		"bad clusters":    `{"name":"s","clusters":"groups","steps":[{"name":"a","request":{"method":"GET","path":"/x"},"expect":{"status":200}}]}`,
		"step clusters":   `{"name":"s","steps":[{"name":"a","clusters":"admin","request":{"method":"GET","path":"/x"},"expect":{"status":200}}]}`,
		"clusters clash":  `{"name":"s","clusters":"group","steps":[{"name":"a","clusters":"instance","request":{"method":"GET","path":"/x"},"expect":{"status":200}}]}`,
	} {
		_, err := ParseScenario([]byte(raw))
		require.Error(t, err, name)
	}
}

// TestBuiltInScenariosLoad: the built-in scenarios load, and a run picks those of the clusters
// it checks (the read scenario always: it asks for the version and the user).
func TestBuiltInScenariosLoad(t *testing.T) {
	for _, tc := range []struct {
		vars     Vars
		instance bool
		write    bool
		want     []string
	}{
		{Vars{"project": "1"}, false, true, []string{"read", "write"}},
		{Vars{"project": "1"}, false, false, []string{"read"}},
		{Vars{"group": "12"}, false, true, []string{"read", "group-read", "group-write"}},
		{Vars{}, true, false, []string{"read", "instance-read"}},
		{Vars{"project": "1", "group": "platform"}, true, true, []string{"read", "write", "group-read", "group-write", "instance-read", "instance-write"}},
	} {
		r := &runner{cfg: Config{Write: tc.write, Instance: tc.instance}, vars: tc.vars}
		all, err := r.loadScenarios()
		require.NoError(t, err)
		var names []string
		for _, sc := range all {
			names = append(names, sc.Name)
			require.Equal(t, strings.HasSuffix(sc.Name, "write"), sc.Write, sc.Name)
		}
		require.Equal(t, tc.want, names, "%v instance=%v write=%v", tc.vars, tc.instance, tc.write)
	}
}

func TestVars(t *testing.T) {
	v := Vars{"project": "group/sub project", "id": 20.0, "name": "n"}
	require.Equal(t, "/projects/group%2Fsub%20project/clusters/20", v.PathString("/projects/${project}/clusters/${id}"))
	pinned := map[string]bool{}
	got := v.Value(map[string]any{"id": "${id}", "s": "x-${name}", "keep": "${unknown}"}, "$", pinned)
	require.Equal(t, map[string]any{"id": 20.0, "s": "x-n", "keep": "${unknown}"}, got)
	require.Equal(t, map[string]bool{"$.id": true}, pinned)
	require.Equal(t, []string{"unknown"}, v.missingVars("${unknown} ${id}"))
}

func TestIsLeftover(t *testing.T) {
	cases := []struct {
		name, scope, run string
		want             bool
	}{
		{"glcontract-20250101t000000-abcdef", "glcontract/20250101t000000-abcdef", "", true},
		{"glcontract-20250101t000000-abcdef-edited", "glcontract/20250101t000000-abcdef", "20250101t000000-abcdef", true},
		{"glcontract-20250101t000000-abcdef-dup", "glcontract/20250101t000000-abcdef/x", "", true},
		{"glcontract-20250101t000000-abcdef", "glcontract/20250101t000000-abcdef", "20250202t000000-abcdef", false},
		{"glcontract-20250101t000000-abcdef", "production", "", false},
		{"glcontract-20250101t000000-abcdef", "glcontract/20250101t000000-ffffff", "", false},
		{"my-glcontract-20250101t000000-abcdef", "glcontract/20250101t000000-abcdef", "", false},
		{"cluster-1", "*", "", false},
	}
	for _, tc := range cases {
		_, ok := isLeftover(tc.name, tc.scope, tc.run)
		require.Equal(t, tc.want, ok, "%s %s %s", tc.name, tc.scope, tc.run)
	}
	require.Regexp(t, `^[0-9]{8}t[0-9]{6}-[0-9a-f]{6}$`, NewRunID(time.Now()))
}

func TestAPIRoot(t *testing.T) {
	for in, want := range map[string]string{
		"https://gitlab.example.com":            "https://gitlab.example.com",
		"https://gitlab.example.com/":           "https://gitlab.example.com",
		"https://gitlab.example.com/api/v4":     "https://gitlab.example.com",
		"https://gitlab.example.com/api/v4/":    "https://gitlab.example.com",
		"https://example.com/gitlab/api/v4?x=1": "https://example.com/gitlab",
		"http://127.0.0.1:8080":                 "http://127.0.0.1:8080",
	} {
		got, err := apiRoot(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"gitlab.example.com", "ftp://x", ""} {
		_, err := apiRoot(bad)
		require.ErrorIs(t, err, ErrUsage, bad)
	}
}
