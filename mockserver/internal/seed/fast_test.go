package seed

import (
	"encoding/json"
	"reflect"
	"testing"
)

// clusterSamples are cluster elements the fast decoder takes and ones it must leave to
// encoding/json: other cases, escapes, repeated keys, null, floats, wrong types, unknown keys.
var clusterSamples = []string{
	`{"id":18,"project_id":1,"name":"cluster-1","domain":"example.com","enabled":true,"managed":true,"provider_type":"user","environment_scope":"*","namespace_per_environment":true,"user_id":1,"created_at":"2019-01-02T20:18:12.563Z","platform_kubernetes":{"api_url":"https://104.197.68.152","namespace":"cluster-1-namespace","authorization_type":"rbac","token":"seed-cluster-1-token"}}`,
	` { "id" : -0 , "cluster_type":"group_type","group_id":12,"name":"ünï 😀","management_project_id":null,"domain":null,"provider_gcp":{"gcp_project_id":"p","zone":"z","machine_type":"m","num_nodes":3,"status_name":"created","endpoint":"e"},"platform_kubernetes":{"ca_cert":null,"namespace":null}} `,
	`{"management_project_id":7,"provider_gcp":null,"updated_at":"x","platform_kubernetes":{}}`,
	`{}`,
	`{"ID":1}`,
	`{"id":1,"id":2}`,
	`{"name":"a\"b","environment_scope":"\u00e9"}`,
	`{"name":null}`,
	`{"id":1.0}`,
	`{"id":1e2}`,
	`{"id":99999999999999999999}`,
	`{"id":"1"}`,
	`{"enabled":"true"}`,
	`{"colour":"red"}`,
	`{"platform_kubernetes":null}`,
	`{"platform_kubernetes":{"api_url":"a"},"platform_kubernetes":{"token":"t"}}`,
	`{"provider_gcp":{"zone":"a"},"provider_gcp":{"endpoint":"e"}}`,
	`{"provider_gcp":{"num_nodes":-1,"extra":1}}`,
	"{\"name\":\"bad \xff utf8\"}",
	`[1]`,
	`5`,
	`null`,
}

// checkFastAsEncodingJSON: when the fast decoder takes an element, it decodes it as
// encoding/json (unknown fields refused) does.
func checkFastAsEncodingJSON(t *testing.T, raw string) {
	var fast, strict Cluster
	if !fastCluster([]byte(raw), &fast) {
		return
	}
	if err := strictDecode([]byte(raw), &strict); err != nil {
		t.Fatalf("%s: the fast decoder took what encoding/json refuses: %v", raw, err)
	}
	if !reflect.DeepEqual(fast, strict) {
		f, _ := json.Marshal(fast)
		s, _ := json.Marshal(strict)
		t.Fatalf("%s:\n fast %s\n json %s", raw, f, s)
	}
}

func TestFastCluster(t *testing.T) {
	took := 0
	for _, raw := range clusterSamples {
		checkFastAsEncodingJSON(t, raw)
		var c Cluster
		if fastCluster([]byte(raw), &c) {
			took++
		}
	}
	if took != 4 { // the first four are the usual shape
		t.Errorf("the fast decoder took %d samples, want 4", took)
	}
}

func FuzzFastCluster(f *testing.F) {
	for _, raw := range clusterSamples {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !json.Valid([]byte(raw)) { // the stream's decoder has checked the syntax already
			return
		}
		checkFastAsEncodingJSON(t, raw)
	})
}
