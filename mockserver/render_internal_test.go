package mockserver

import (
	"encoding/json"
	"github.com/glclusters/clustersapi/mockserver/internal/store"
	"reflect"
	"testing"
	"time"
)

// The reference rendering: Entities::Cluster through encoding/json, field order from the structs.

type platformEntity struct {
	APIURL            string  `json:"api_url"`
	Namespace         *string `json:"namespace"`
	AuthorizationType string  `json:"authorization_type"`
	CACert            *string `json:"ca_cert"`
}

type clusterEntity struct {
	ID                      int             `json:"id"`
	Name                    string          `json:"name"`
	CreatedAt               string          `json:"created_at"`
	Domain                  *string         `json:"domain"`
	Enabled                 bool            `json:"enabled"`
	Managed                 bool            `json:"managed"`
	ProviderType            string          `json:"provider_type"`
	PlatformType            string          `json:"platform_type"`
	EnvironmentScope        string          `json:"environment_scope"`
	ClusterType             string          `json:"cluster_type"`
	NamespacePerEnvironment bool            `json:"namespace_per_environment"`
	User                    json.RawMessage `json:"user"`
	PlatformKubernetes      platformEntity  `json:"platform_kubernetes"`
	ProviderGCP             *gcpEntity      `json:"provider_gcp"`
	ManagementProject       json.RawMessage `json:"management_project"`
}

func referenceRender(st *state, c *cluster) []byte {
	e := clusterEntity{
		ID: c.ID, Name: c.Name, CreatedAt: store.FormatTime(c.CreatedAt), Domain: c.Domain, Enabled: c.Enabled,
		Managed: c.Managed, ProviderType: c.ProviderType, PlatformType: "kubernetes",
		EnvironmentScope: c.EnvironmentScope, ClusterType: c.Type,
		NamespacePerEnvironment: c.NamespacePerEnvironment, User: st.users[c.UserID].basic,
		PlatformKubernetes: platformEntity{APIURL: c.APIURL, Namespace: c.Namespace,
			AuthorizationType: c.AuthorizationType, CACert: c.CACert},
		ManagementProject: json.RawMessage("null"),
	}
	if c.ManagementProjectID != nil {
		e.ManagementProject = st.projects[*c.ManagementProjectID].identity
	}
	if g := c.GCP; g != nil {
		e.ProviderGCP = &gcpEntity{ClusterID: c.ID, StatusName: g.StatusName, GCPProjectID: g.GCPProjectID,
			Zone: g.Zone, MachineType: g.MachineType, NumNodes: g.NumNodes, Endpoint: g.Endpoint}
	}
	return mustJSON(e)
}

// TestRenderMatchesEncodingJSON: the hand-written renderer writes the bytes encoding/json would.
func TestRenderMatchesEncodingJSON(t *testing.T) {
	st, err := newState(DefaultSeed(), "https://gitlab.example.com")
	if err != nil {
		t.Fatal(err)
	}
	two := 2
	strs := []string{"", "plain", "quote\" and \\ back", "ctl\x00\x01\x1f\t\n\r\b\f", "<html>&amp;", "\u2028\u2029 sep",
		"bad \xff\xfe utf8", "ünïcödé 😀", "\x7f del"}
	for i, str := range strs {
		str := str
		c := &cluster{ID: 100 + i, Type: []string{projectType, groupType, instanceType}[i%3], ProjectID: 1, Name: str, Enabled: i%2 == 0, Managed: i%3 == 0, ProviderType: "user",
			EnvironmentScope: str, NamespacePerEnvironment: true, UserID: 1 + i%7, APIURL: str,
			CreatedAt: time.Date(2024, 2, 29, 23, 59, 59, 999e6, time.FixedZone("x", 3600)), AuthorizationType: "rbac"}
		if i%2 == 1 {
			c.Domain, c.Namespace, c.CACert = &str, &str, &str
			c.ManagementProjectID = &two
		}
		if i == 3 {
			c.GCP = &SeedProviderGCP{GCPProjectID: str, Zone: "z", MachineType: "m", NumNodes: 3, StatusName: "created", Endpoint: "e"}
		}
		got := string(st.appendEntity(nil, store.Pack(c)))
		want := string(referenceRender(st, c))
		if got != want {
			t.Errorf("%q:\n got %s\nwant %s", str, got, want)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(got), &v); err != nil {
			t.Errorf("%q: not JSON: %v", str, err)
		}
	}
}

// TestPackRoundTrip: a packed cluster unpacks to the cluster it was made from, every optional
// field set or not, escaped strings too; times in UTC (as stored clusters have them),
// updated_at to the nanosecond, created_at to the millisecond (all that is ever shown of it).
func TestPackRoundTrip(t *testing.T) {
	s, mgmt := "ünï\x00 \"x\"", 7
	for i, c := range []*cluster{
		{ID: 1, Type: projectType, ProjectID: 3, Name: "a", ProviderType: "user", EnvironmentScope: "*", UserID: 1,
			CreatedAt: time.Date(2019, 1, 2, 3, 4, 5, 6e6, time.UTC), UpdatedAt: time.Date(2020, 1, 2, 3, 4, 5, 999999999, time.UTC),
			APIURL: "https://k", Token: "t", AuthorizationType: "rbac"},
		{ID: 1 << 40, Type: groupType, GroupID: 1 << 33, Name: s, Enabled: true, Managed: true, ProviderType: "gcp",
			EnvironmentScope: s, NamespacePerEnvironment: true, UserID: 1 << 31, ManagementProjectID: &mgmt,
			CreatedAt: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
			APIURL: s, Token: s, CACert: &s, Namespace: &s, Domain: &s, AuthorizationType: "abac",
			GCP: &SeedProviderGCP{GCPProjectID: "p", Zone: "z", MachineType: "m", NumNodes: -3, StatusName: "created", Endpoint: "e"}},
		{ID: 5, Type: instanceType, CreatedAt: time.Unix(-1e10, 0).UTC(), UpdatedAt: time.Unix(-1, 1).UTC()},
	} {
		p := store.Pack(c)
		if got := p.Unpack(); !reflect.DeepEqual(got, c) {
			t.Errorf("%d: unpack(pack(c)) = %+v, want %+v", i, got, c)
		}
		if p.ID() != c.ID || p.Owner() != c.Owner() || p.Scope() != c.EnvironmentScope {
			t.Errorf("%d: id %d, owner %v, scope %q", i, p.ID(), p.Owner(), p.Scope())
		}
	}
}
