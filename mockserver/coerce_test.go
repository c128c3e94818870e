package mockserver_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestGrapeCoercion drives Grape's coercion table over HTTP, with the requests real clients
// send: each row's body, the status, and what GitLab then stores or answers.
func TestGrapeCoercion(t *testing.T) {
	const pk = `"platform_kubernetes_attributes":{"api_url":"https://kubernetes.example.com","token":"t"}`
	create := func(extra string) string { return `{"name":"c","environment_scope":"coerce/*",` + pk + extra + `}` }
	form := "application/x-www-form-urlencoded"
	const formBase = "name=c&environment_scope=coerce&platform_kubernetes_attributes%5Bapi_url%5D=https%3A%2F%2Fkubernetes.example.com&platform_kubernetes_attributes%5Btoken%5D=t"
	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		wantStatus  int
		want        []string // substrings of the body, or its exact text when it starts with '{'
	}{
		// '' is nil for every non-String type; nil then clears, takes the default, or is refused.
		{"terraform removes management_project_id", "PUT", cluster18, "", `{"management_project_id": ""}`, 200, []string{`"management_project":null`}},
		{"null management_project_id clears it", "PUT", cluster18, "", `{"management_project_id": null}`, 200, []string{`"management_project":null`}},
		{"blank management_project_id in a form", "PUT", cluster18, form, "management_project_id=", 200, []string{`"management_project":null`}},
		{"blank management_project_id on create", "POST", addCluster, "", create(`,"management_project_id":""`), 201, []string{`"management_project":null`}},
		{"blank boolean takes the default", "POST", addCluster, "", create(`,"enabled":"","managed":"","namespace_per_environment":""`), 201,
			[]string{`"enabled":true`, `"managed":true`, `"namespace_per_environment":true`}},
		{"blank boolean in a form takes the default", "POST", addCluster, form, formBase + "&enabled=&managed=", 201, []string{`"enabled":true`, `"managed":true`}},
		{"blank update boolean leaves it", "PUT", cluster18, "", `{"enabled":""}`, 200, []string{`"enabled":true`}},
		{"null api_url is empty", "POST", addCluster, "", `{"name":"c","platform_kubernetes_attributes":{"api_url":null,"token":"t"}}`, 400,
			[]string{`{"error":"platform_kubernetes_attributes[api_url] is empty"}`}},
		{"null token reaches the model", "POST", addCluster, "", `{"name":"c","environment_scope":"x","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":null}}`, 400,
			[]string{`"platform_kubernetes.token":["can't be blank"]`}},
		// A String parameter: '' stays '' (the Ruby gem sends name=), a number becomes its to_s.
		{"ruby gem sends name=", "POST", addCluster, form, strings.Replace(formBase, "name=c", "name=", 1), 400,
			[]string{`{"message":{"name":["has to be present"]}}`}},
		{"null name reaches the model", "POST", addCluster, "", `{"name":null,"environment_scope":"x",` + pk + `}`, 400, []string{`{"message":{"name":["has to be present"]}}`}},
		{"number for a string", "POST", addCluster, "", `{"name":5,"environment_scope":"x",` + pk + `}`, 201, []string{`"name":"5"`}},
		{"float for a string", "POST", addCluster, "", `{"name":2.50,"environment_scope":"x",` + pk + `}`, 201, []string{`"name":"2.5"`}},
		{"boolean for a string", "POST", addCluster, "", `{"name":true,"environment_scope":"x",` + pk + `}`, 201, []string{`"name":"true"`}},
		{"array for a string", "POST", addCluster, "", `{"name":["a"],` + pk + `}`, 400, []string{`{"error":"name is invalid"}`}},
		{"object for a string", "POST", addCluster, "", `{"name":{"a":1},` + pk + `}`, 400, []string{`{"error":"name is invalid"}`}},
		// Integer: Ruby's Integer(s, 10).
		{"integer string", "PUT", cluster18, "", `{"management_project_id":"2"}`, 200, []string{`"management_project":{"id":2`}},
		{"integer with spaces and sign", "PUT", cluster18, "", `{"management_project_id":" +2 "}`, 200, []string{`"management_project":{"id":2`}},
		{"integer with underscore", "PUT", cluster18, "", `{"management_project_id":"0_2"}`, 200, []string{`"management_project":{"id":2`}},
		{"float truncates", "PUT", cluster18, "", `{"management_project_id":2.9}`, 200, []string{`"management_project":{"id":2`}},
		{"hex is not an integer", "PUT", cluster18, "", `{"management_project_id":"0x2"}`, 400, []string{`{"error":"management_project_id is invalid"}`}},
		{"decimal string is not an integer", "PUT", cluster18, "", `{"management_project_id":"2.0"}`, 400, []string{`{"error":"management_project_id is invalid"}`}},
		{"boolean is not an integer", "PUT", cluster18, "", `{"management_project_id":true}`, 400, []string{`{"error":"management_project_id is invalid"}`}},
		{"array is not an integer", "PUT", cluster18, "", `{"management_project_id":[2]}`, 400, []string{`{"error":"management_project_id is invalid"}`}},
		// Boolean: dry-types' exact spellings, and JSON 1/0.
		{"boolean yes", "PUT", cluster18, "", `{"enabled":"no","managed":"Y"}`, 200, []string{`"enabled":false`, `"managed":true`}},
		{"boolean on/off in a form", "PUT", cluster18, form, "enabled=off&managed=ON", 200, []string{`"enabled":false`, `"managed":true`}},
		{"boolean t/F", "PUT", cluster18, "", `{"enabled":"F","managed":"t"}`, 200, []string{`"enabled":false`, `"managed":true`}},
		{"boolean number 0", "PUT", cluster18, "", `{"enabled":0}`, 200, []string{`"enabled":false`}},
		{"boolean mixed case is invalid", "PUT", cluster18, "", `{"enabled":"tRuE"}`, 400, []string{`{"error":"enabled is invalid"}`}},
		{"boolean with spaces is invalid", "PUT", cluster18, "", `{"enabled":" true"}`, 400, []string{`{"error":"enabled is invalid"}`}},
		{"boolean 2 is invalid", "PUT", cluster18, "", `{"enabled":2}`, 400, []string{`{"error":"enabled is invalid"}`}},
		// A hash parameter refuses a string, the JSON text python-gitlab's CLI sends included.
		{"python-gitlab CLI sends the hash as JSON text", "POST", addCluster, form,
			"name=c&platform_kubernetes_attributes=%7B%22api_url%22%3A%22https%3A%2F%2Fk.example.com%22%2C%22token%22%3A%22t%22%7D", 400,
			[]string{`{"error":"platform_kubernetes_attributes is invalid"}`}},
		{"python-gitlab CLI, JSON body with the hash as text", "POST", addCluster, "",
			`{"name":"c","platform_kubernetes_attributes":"{\"api_url\": \"https://k.example.com\", \"token\": \"t\"}"}`, 400,
			[]string{`{"error":"platform_kubernetes_attributes is invalid"}`}},
		{"blank hash is invalid", "POST", addCluster, "", `{"name":"c","platform_kubernetes_attributes":""}`, 400,
			[]string{`{"error":"platform_kubernetes_attributes is invalid"}`}},
		// Query parameters: '' is nil, so the default applies.
		{"blank page and per_page", "GET", clusters + "?page=&per_page=", "", "", 200, []string{`"id":18`}},
		{"per_page with spaces", "GET", clusters + "?per_page=%201%20", "", "", 200, []string{`"id":18`}},
		{"per_page not an integer", "GET", clusters + "?per_page=one", "", "", 400, []string{`{"error":"per_page is invalid"}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mocktest.Start(t)
			got := do(t, srv, request{method: tc.method, path: tc.path, token: "maintainer-token", contentType: tc.contentType, body: tc.body})
			assert.Equal(t, tc.wantStatus, got.status, string(got.body))
			for _, w := range tc.want {
				if strings.HasPrefix(w, "{") {
					assert.JSONEq(t, w, string(got.body))
				} else {
					assert.Contains(t, string(got.body), w)
				}
			}
		})
	}
}

// TestGrapeCoercionQueryPaging checks the per_page spelling reaches the pager: " 1 " is one a page.
func TestGrapeCoercionQueryPaging(t *testing.T) {
	srv := mocktest.Start(t)
	got := do(t, srv, request{method: "GET", path: clusters + "?per_page=%201%20", token: "maintainer-token"})
	assert.Equal(t, 200, got.status)
	assert.Equal(t, "1", got.header.Get("X-Per-Page"))
	assert.Len(t, got.list(t), 1)
}
