package seed

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestClusterEncodingAsEncodingJSON: the hand-written seed cluster is byte for byte what
// encoding/json writes, indented and compact, for strings that need every kind of escape and
// with each optional field present or absent.
func TestClusterEncodingAsEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", `quote" and \ back`, "ctl\x00\x01\x1f\t\n\r\b\f", "<html>&amp;", "\u2028\u2029 sep",
		"bad \xff\xfe utf8", "ünïcödé 😀", "\x7f del"}
	mgmt := -4
	for i, s := range strs {
		c := Cluster{ID: i - 3, Name: s, EnvironmentScope: s, CreatedAt: s, UserID: -i,
			Platform: Platform{APIURL: s, Token: s}}
		if i%2 == 1 {
			str := s
			c.ClusterType, c.ProjectID, c.GroupID, c.ProviderType, c.UpdatedAt = s, i, -i, s, s
			c.Domain, c.ManagementProjectID, c.Enabled, c.Managed, c.NamespacePerEnvironment = &str, &mgmt, true, true, true
			c.Platform.CACert, c.Platform.Namespace, c.Platform.AuthorizationType = &str, &str, s
			c.ProviderGCP = &ProviderGCP{GCPProjectID: s, Zone: s, MachineType: s, NumNodes: -i, StatusName: s, Endpoint: s}
		}
		want, err := json.MarshalIndent(c, "    ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got := appendCluster(nil, &c, false, "    "); !bytes.Equal(got, want) {
			t.Errorf("%q indented:\n got %s\nwant %s", s, got, want)
		}
		want, _ = json.Marshal(c)
		if got := appendCluster(nil, &c, true, ""); !bytes.Equal(got, want) {
			t.Errorf("%q compact:\n got %s\nwant %s", s, got, want)
		}
	}
}
