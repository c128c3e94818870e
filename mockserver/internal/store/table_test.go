package store

import (
	"errors"
	"iter"
	"math"
	"strings"
	"testing"

	"github.com/glclusters/clustersapi/mockserver/internal/seed"
)

func seedCluster(id int, typ string, owner int, scope string) seed.Cluster {
	c := seed.Cluster{ID: id, ClusterType: typ, Name: "c", EnvironmentScope: scope, UserID: 1,
		CreatedAt: "2019-01-02T20:18:12.563Z", Platform: seed.Platform{APIURL: "https://k.example.com", Token: "t"}}
	switch typ {
	case GroupType:
		c.GroupID = owner
	case InstanceType:
	default:
		c.ProjectID = owner
	}
	return c
}

// snapshot is the table as its seed: what a test compares before and after a refused change.
func snapshot(t *testing.T, tb *Table) string {
	t.Helper()
	var b strings.Builder
	err := tb.Seed(func(nextID, n int, clusters iter.Seq[*seed.Cluster]) error {
		s := seed.Seed{NextClusterID: nextID}
		return s.WriteJSONFrom(&b, n, clusters)
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestNewRefusesBrokenInvariants: every invariant is checked when a table is built, whatever
// built the seed (a seed file, PUT /-/mock/state, the state file at start).
func TestNewRefusesBrokenInvariants(t *testing.T) {
	mgmt := 99
	withMgmt := seedCluster(1, "", 1, "*")
	withMgmt.ManagementProjectID = &mgmt
	for _, tc := range []struct {
		name     string
		clusters []seed.Cluster
		next     int
		want     string
	}{
		{"id zero", []seed.Cluster{seedCluster(0, "", 1, "*")}, 5, "clusters[0].id: cluster id 0 must be positive"},
		{"negative id", []seed.Cluster{seedCluster(-3, "", 1, "*")}, 5, "must be positive"},
		{"id twice", []seed.Cluster{seedCluster(1, "", 1, "a"), seedCluster(1, "", 2, "b")}, 5, "cluster id 1 is used twice"},
		{"next id not above", []seed.Cluster{seedCluster(7, "", 1, "*")}, 7, "next_cluster_id: 7 must be above every cluster id (7)"},
		{"next id not positive", nil, -1, "next_cluster_id: -1 must be positive"},
		{"scope twice, the default type on one", []seed.Cluster{seedCluster(1, ProjectType, 1, "*"), seedCluster(2, "", 1, "*")}, 5,
			`cluster 2: environment scope "*" is taken by another cluster of the same project 1`},
		{"scope twice in a group", []seed.Cluster{seedCluster(1, GroupType, 3, "x"), seedCluster(2, GroupType, 3, "x")}, 5, "same group 3"},
		{"management project missing", []seed.Cluster{withMgmt}, 5, "clusters[0].management_project_id: project 99 does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.clusters, tc.next, func(id int) bool { return id < 10 })
			var inv *InvariantError
			if !errors.As(err, &inv) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an InvariantError with %q", err, tc.want)
			}
		})
	}
	// The same scope for different owners, and types, is fine.
	if _, err := New([]seed.Cluster{seedCluster(1, "", 1, "*"), seedCluster(2, GroupType, 1, "*"), seedCluster(3, InstanceType, 0, "*"), seedCluster(4, "", 2, "*")}, 5, nil); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateUndoesEverything: a transaction that fails, or whose state file cannot be
// written, leaves the table as it was: clusters, scopes and the next id.
func TestUpdateUndoesEverything(t *testing.T) {
	tb, err := New([]seed.Cluster{seedCluster(1, "", 1, "*"), seedCluster(2, "", 1, "a")}, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, tb)
	change := func(tx *Tx) {
		p, _ := tx.Find(Owner{ProjectType, 1}, 2)
		old := p.Unpack()
		cl := *old
		cl.EnvironmentScope = "b"
		if _, err := tx.Replace(old, &cl); err != nil {
			t.Fatal(err)
		}
		first, _ := tx.Find(Owner{ProjectType, 1}, 1)
		if err := tx.Remove(first.Unpack()); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Insert(FromSeed(&[]seed.Cluster{seedCluster(0, "", 1, "*")}[0])); err != nil {
			t.Fatal(err)
		}
	}
	refused := errors.New("refused")
	if err := tb.Update(func(tx *Tx) error { change(tx); return refused }); err != refused {
		t.Fatalf("Update: %v", err)
	}
	if got := snapshot(t, tb); got != before {
		t.Fatalf("after a failed transaction:\n%s\nwant\n%s", got, before)
	}
	saves := 0
	tb.SetSaver(func(int, int, iter.Seq[*seed.Cluster]) error { saves++; return errors.New("disk full") })
	err = tb.Update(func(tx *Tx) error { change(tx); return nil })
	var se *SaveError
	if !errors.As(err, &se) || saves != 1 {
		t.Fatalf("Update with an unwritable state file: %v after %d saves", err, saves)
	}
	if got := snapshot(t, tb); got != before {
		t.Fatalf("after an unwritable state file:\n%s\nwant\n%s", got, before)
	}
	// The scopes were undone too: "a" is still taken, "b" free.
	tb.Update(func(tx *Tx) error {
		if !tx.ScopeTaken(Owner{ProjectType, 1}, "a", 0) || tx.ScopeTaken(Owner{ProjectType, 1}, "b", 0) {
			t.Error("the scope index was not undone")
		}
		return nil
	})
}

// TestTxRefusesBrokenInvariants: a change through a Tx passes the same invariants as a seed.
func TestTxRefusesBrokenInvariants(t *testing.T) {
	tb, err := New([]seed.Cluster{seedCluster(1, "", 1, "*")}, 2, func(id int) bool { return id == 1 })
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, tb)
	missing := 5
	for name, c := range map[string]*Cluster{
		"scope taken":                FromSeed(&[]seed.Cluster{seedCluster(0, "", 1, "*")}[0]),
		"management project missing": {Type: ProjectType, ProjectID: 1, EnvironmentScope: "x", ManagementProjectID: &missing},
	} {
		err := tb.Update(func(tx *Tx) error { _, err := tx.Insert(c); return err })
		var inv *InvariantError
		if !errors.As(err, &inv) {
			t.Errorf("%s: %v, want an InvariantError", name, err)
		}
	}
	if got := snapshot(t, tb); got != before {
		t.Fatalf("changed by refused inserts:\n%s", got)
	}
	var kept *Tx
	tb.Update(func(tx *Tx) error { kept = tx; return nil })
	defer func() {
		if recover() == nil {
			t.Error("a Tx used after its Update did not panic")
		}
	}()
	kept.Len()
}

// TestIDsNearTheirEnd: ids up to the largest int64 stay in order, the last id is given, and
// then a create is refused with nothing changed; the next id is never above the largest int.
func TestIDsNearTheirEnd(t *testing.T) {
	tb, err := New([]seed.Cluster{seedCluster(math.MaxInt-10, "", 1, "*")}, math.MaxInt-1, nil)
	if err != nil {
		t.Fatal(err)
	}
	insert := func(scope string) (Packed, error) {
		var p Packed
		err := tb.Update(func(tx *Tx) error {
			var err error
			p, err = tx.Insert(&Cluster{Type: ProjectType, ProjectID: 1, EnvironmentScope: scope})
			return err
		})
		return p, err
	}
	p, err := insert("a")
	if err != nil || p.ID() != math.MaxInt-1 {
		t.Fatalf("insert: %v, id %d", err, p.ID())
	}
	before := snapshot(t, tb)
	if _, err := insert("b"); !errors.Is(err, ErrIDsExhausted) {
		t.Fatalf("insert with no id left: %v", err)
	}
	if got := snapshot(t, tb); got != before {
		t.Fatal("a refused insert changed the table")
	}
	page, total := tb.Page(Owner{ProjectType, 1}, 0, 10)
	if total != 2 || page[0].ID() != math.MaxInt-10 || page[1].ID() != math.MaxInt-1 {
		t.Fatalf("page %v of %d, want ids in order", page, total)
	}
	// What the table exports loads again.
	var next int
	var all []seed.Cluster
	tb.Seed(func(nextID, _ int, clusters iter.Seq[*seed.Cluster]) error {
		next = nextID
		for c := range clusters {
			all = append(all, *c)
		}
		return nil
	})
	if _, err := New(all, next, nil); err != nil {
		t.Fatalf("the export does not load again: %v", err)
	}
}

// TestScopeIndexCollisions: with every scope hashing alike, the scope rule still holds:
// distinct scopes are stored, a taken one is refused, and a scope freed by an update or a
// removal can be used again.
func TestScopeIndexCollisions(t *testing.T) {
	saved := scopeHash
	scopeHash = func(string) uint64 { return 42 }
	t.Cleanup(func() { scopeHash = saved })
	tb, err := New([]seed.Cluster{seedCluster(18, "", 1, "*")}, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	owner := Owner{ProjectType, 1}
	add := func(scope string) error {
		return tb.Update(func(tx *Tx) error {
			_, err := tx.Insert(&Cluster{Type: ProjectType, ProjectID: 1, EnvironmentScope: scope})
			return err
		})
	}
	rescope := func(id int, scope string) error {
		return tb.Update(func(tx *Tx) error {
			p, _ := tx.Find(owner, id)
			old := p.Unpack()
			c := *old
			c.EnvironmentScope = scope
			_, err := tx.Replace(old, &c)
			return err
		})
	}
	remove := func(id int) error {
		return tb.Update(func(tx *Tx) error { p, _ := tx.Find(owner, id); return tx.Remove(p.Unpack()) })
	}
	for _, tc := range []struct {
		step string
		err  error
		ok   bool
	}{
		{"a", add("a"), true}, // id 20
		{"b", add("b"), true}, // id 21
		{"a again", add("a"), false},
		{"* again", add("*"), false},
		{"rename a to c", rescope(20, "c"), true},
		{"a freed", add("a"), true},
		{"c taken", add("c"), false},
		{"remove 18", remove(18), true},
		{"* freed", add("*"), true},
		{"b still taken", add("b"), false},
		{"b kept by its own update", rescope(21, "b"), true},
	} {
		if (tc.err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok %v", tc.step, tc.err, tc.ok)
		}
	}
}
