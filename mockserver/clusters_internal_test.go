package mockserver

import (
	"reflect"
	"testing"
	"time"
)

// TestChangedCountsEveryStoredField: an update that changes any field of a cluster but its
// update time counts as a change, and one that changes only the update time does not. The
// fields are found by reflection, so a field added to cluster is checked without being listed.
func TestChangedCountsEveryStoredField(t *testing.T) {
	domain, ca, ns, mgmt := "example.com", "CA", "ns", 3
	base := cluster{ID: 7, Type: projectType, ProjectID: 1, Name: "a", Domain: &domain, ProviderType: "user",
		EnvironmentScope: "*", UserID: 1, ManagementProjectID: &mgmt, CreatedAt: time.Unix(1e9, 0),
		UpdatedAt: time.Unix(1e9, 0), APIURL: "https://k", Token: "t", CACert: &ca, Namespace: &ns,
		AuthorizationType: "rbac", GCP: &SeedProviderGCP{GCPProjectID: "p", Zone: "z", MachineType: "m", NumNodes: 1, StatusName: "s", Endpoint: "e"}}
	later := base
	later.UpdatedAt = base.UpdatedAt.Add(time.Hour)
	if changed(&base, &later) {
		t.Error("a new update time alone counts as a change")
	}
	typ := reflect.TypeFor[cluster]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Name == "UpdatedAt" || f.Name == "GroupID" { // a project cluster has no group
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			other := base
			v := reflect.ValueOf(&other).Elem().Field(i)
			if !differ(t, v) {
				t.Fatalf("no way to change a field of type %s: extend differ", v.Type())
			}
			if !changed(&base, &other) {
				t.Errorf("changing %s does not count as a change", f.Name)
			}
		})
	}
}

// differ sets v to another value of its type, and reports whether it knew how.
func differ(t *testing.T, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		if v.String() == projectType { // a cluster's type: another valid one
			v.SetString(groupType)
			return true
		}
		v.SetString(v.String() + "x")
	case reflect.Int:
		v.SetInt(v.Int() + 1)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
			return true
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(v.Elem())
		if c.Elem().Kind() == reflect.Struct { // the GCP provider: change its first field
			f := c.Elem().Field(0)
			if !differ(t, f) {
				return false
			}
		} else if !differ(t, c.Elem()) {
			return false
		}
		v.Set(c)
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			v.Set(reflect.ValueOf(tm.Add(time.Hour)))
			return true
		}
		return false
	default:
		return false
	}
	return true
}
