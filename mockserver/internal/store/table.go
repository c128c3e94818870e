package store

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"sync"

	"github.com/glclusters/clustersapi/mockserver/internal/seed"
)

// Table is the stored clusters. Reads take its lock themselves; a change is made only in
// Update, through a *Tx, so no caller holds or forgets the lock. Every way in (a seed, the
// state file, the API) passes the same invariants:
//   - ids are positive, unique, and below the next id, which only grows;
//   - an owner has at most one cluster per environment scope (its type's default applied);
//   - a cluster's management project exists.
type Table struct {
	mu      sync.RWMutex
	byOwner map[Owner][]Packed // each in id order
	count   int
	scopes  scopeIndex
	nextID  int
	// projectExists says whether a project is in the state: management projects must be.
	projectExists func(id int) bool
	save          Saver
}

// A Saver writes the state file: the next id and the clusters, n of them in id order, one
// at a time. An error undoes the change that was being saved.
type Saver func(nextID, n int, clusters iter.Seq[*seed.Cluster]) error

// InvariantError is a change, or a seed, that would break one of the table's invariants.
type InvariantError struct {
	Where string // e.g. "clusters[3]" for a seed, "cluster 7" for a change
	Msg   string
}

func (e *InvariantError) Error() string { return e.Where + ": " + e.Msg }

// SaveError is a change undone because the state file could not be written.
type SaveError struct{ Err error }

func (e *SaveError) Error() string { return "state file not written: " + e.Err.Error() }
func (e *SaveError) Unwrap() error { return e.Err }

// ErrIDsExhausted is a create with no cluster id left (GitLab's id sequence runs out too).
var ErrIDsExhausted = errors.New("no cluster id left below 9223372036854775807: load a state with a lower next_cluster_id")

// New builds a table from a seed's clusters and next id, checking the invariants; nil
// projectExists means every project exists.
func New(clusters []seed.Cluster, nextID int, projectExists func(id int) bool) (*Table, error) {
	if projectExists == nil {
		projectExists = func(int) bool { return true }
	}
	t := &Table{byOwner: map[Owner][]Packed{}, scopes: newScopeIndex(), nextID: nextID, projectExists: projectExists}
	ids := make(map[int]bool, len(clusters))
	for i := range clusters {
		c := FromSeed(&clusters[i])
		where := fmt.Sprintf("clusters[%d]", i)
		if err := t.check(where, c); err != nil {
			return nil, err
		}
		if ids[c.ID] {
			return nil, &InvariantError{where + ".id", fmt.Sprintf("cluster id %d is used twice", c.ID)}
		}
		if c.ID >= nextID {
			return nil, &InvariantError{"next_cluster_id", fmt.Sprintf("%d must be above every cluster id (%d)", nextID, c.ID)}
		}
		ids[c.ID] = true
		owner := c.Owner()
		t.byOwner[owner] = append(t.byOwner[owner], Pack(c))
		t.count++
	}
	if nextID <= 0 {
		return nil, &InvariantError{"next_cluster_id", fmt.Sprintf("%d must be positive", nextID)}
	}
	for owner, list := range t.byOwner {
		if !slices.IsSortedFunc(list, byID) {
			slices.SortFunc(list, byID)
		}
		for _, p := range list {
			if _, taken := t.scopes.find(owner, p.Scope(), t.scopeOf); taken {
				return nil, &InvariantError{fmt.Sprintf("cluster %d", p.ID()),
					fmt.Sprintf("environment scope %q is taken by another cluster of the same %s", p.Scope(), ownerName(owner))}
			}
			t.scopes.add(owner, p.ID(), p.Scope())
		}
	}
	return t, nil
}

// SetSaver makes every Update write the state file through save before it returns.
func (t *Table) SetSaver(save Saver) {
	t.mu.Lock()
	t.save = save
	t.mu.Unlock()
}

// check is what a single cluster must satisfy wherever it comes from.
func (t *Table) check(where string, c *Cluster) error {
	if c.ID <= 0 {
		return &InvariantError{where + ".id", fmt.Sprintf("cluster id %d must be positive", c.ID)}
	}
	if m := c.ManagementProjectID; m != nil && !t.projectExists(*m) {
		return &InvariantError{where + ".management_project_id", fmt.Sprintf("project %d does not exist", *m)}
	}
	return nil
}

func ownerName(o Owner) string {
	switch o.Kind {
	case GroupType:
		return fmt.Sprintf("group %d", o.ID)
	case InstanceType:
		return "instance"
	}
	return fmt.Sprintf("project %d", o.ID)
}

// Find returns an owner's cluster; ok is false when it is missing or another's.
func (t *Table) Find(owner Owner, id int) (Packed, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.find(owner, id)
}

// Page returns a copy of one page of an owner's clusters, in id order, and their total.
func (t *Table) Page(owner Owner, offset, limit int) ([]Packed, int) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	list := t.byOwner[owner]
	if offset >= len(list) {
		return nil, len(list)
	}
	end := min(offset+limit, len(list))
	return slices.Clone(list[offset:end]), len(list)
}

// List returns a copy of an owner's clusters, in id order.
func (t *Table) List(owner Owner) []Packed {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Clone(t.byOwner[owner])
}

// Seed hands write the next id and every cluster in the seed format, in id order, one at a
// time, under the read lock: an export of a million clusters never holds them all as seeds.
func (t *Table) Seed(write func(nextID, n int, clusters iter.Seq[*seed.Cluster]) error) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.seed(write)
}

func (t *Table) seed(write func(nextID, n int, clusters iter.Seq[*seed.Cluster]) error) error {
	all := make([]Packed, 0, t.count)
	for _, list := range t.byOwner {
		all = append(all, list...)
	}
	slices.SortFunc(all, byID)
	return write(t.nextID, len(all), func(yield func(*seed.Cluster) bool) {
		for _, p := range all {
			c := p.Seed()
			if !yield(&c) {
				return
			}
		}
	})
}

// Update runs fn under the write lock. When fn changed something and returned nil, the
// state file is written (SetSaver) before Update returns; when fn fails, or the file cannot
// be written (a *SaveError), every change fn made is undone. The *Tx is dead after Update.
func (t *Table) Update(fn func(*Tx) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	tx := &Tx{t: t}
	defer func() { tx.t = nil }()
	err := fn(tx)
	if err == nil && len(tx.undo) > 0 && t.save != nil {
		if serr := t.seed(t.save); serr != nil {
			err = &SaveError{serr}
		}
	}
	if err != nil {
		for i := len(tx.undo) - 1; i >= 0; i-- {
			tx.undo[i]()
		}
	}
	return err
}

// Save writes the state file as it is now, under the read lock (a new state's first write).
func (t *Table) Save() error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.save == nil {
		return nil
	}
	return t.seed(t.save)
}

// Freeze runs fn with the table locked for writing and nothing changing: a reset that
// replaces this table makes writers wait, then find it replaced.
func (t *Table) Freeze(fn func() error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fn()
}

// Tx is one Update's view of the table: the only way to change it.
type Tx struct {
	t    *Table
	undo []func()
}

func (tx *Tx) table() *Table {
	if tx.t == nil {
		panic("store: a Tx used after its Update returned")
	}
	return tx.t
}

// Find returns an owner's cluster as it is in this transaction.
func (tx *Tx) Find(owner Owner, id int) (Packed, bool) { return tx.table().find(owner, id) }

// Len is the number of clusters stored.
func (tx *Tx) Len() int { return tx.table().count }

// OwnerLen is the number of clusters an owner has.
func (tx *Tx) OwnerLen(owner Owner) int { return len(tx.table().byOwner[owner]) }

// ScopeTaken says whether a cluster of the owner other than except uses the scope.
func (tx *Tx) ScopeTaken(owner Owner, scope string, except int) bool {
	t := tx.table()
	id, ok := t.scopes.find(owner, scope, t.scopeOf)
	return ok && id != except
}

// Insert stores a new cluster under the next id, which it sets in c.
func (tx *Tx) Insert(c *Cluster) (Packed, error) {
	t := tx.table()
	if t.nextID >= math.MaxInt {
		return "", ErrIDsExhausted
	}
	c.ID = t.nextID
	owner := c.Owner()
	if err := tx.checkChange(owner, c, 0); err != nil {
		return "", err
	}
	t.nextID++
	p := Pack(c)
	t.byOwner[owner] = append(t.byOwner[owner], p) // the highest id yet
	t.scopes.add(owner, c.ID, c.EnvironmentScope)
	t.count++
	tx.undo = append(tx.undo, func() { t.remove(owner, c.ID, c.EnvironmentScope); t.nextID-- })
	return p, nil
}

// Replace swaps in an updated cluster for old, which is stored; both belong to one owner.
func (tx *Tx) Replace(old, c *Cluster) (Packed, error) {
	t := tx.table()
	owner := c.Owner()
	i, ok := slices.BinarySearchFunc(t.byOwner[owner], c.ID, cmpID)
	if !ok || old.ID != c.ID || old.Owner() != owner {
		return "", &InvariantError{fmt.Sprintf("cluster %d", c.ID), "replaces no stored cluster of its owner"}
	}
	if err := tx.checkChange(owner, c, c.ID); err != nil {
		return "", err
	}
	prev := t.byOwner[owner][i]
	p := Pack(c)
	t.scopes.remove(owner, old.ID, old.EnvironmentScope)
	t.scopes.add(owner, c.ID, c.EnvironmentScope)
	t.byOwner[owner][i] = p
	tx.undo = append(tx.undo, func() {
		t.scopes.remove(owner, c.ID, c.EnvironmentScope)
		t.scopes.add(owner, old.ID, old.EnvironmentScope)
		list := t.byOwner[owner]
		j, _ := slices.BinarySearchFunc(list, c.ID, cmpID)
		list[j] = prev
	})
	return p, nil
}

// Remove deletes a stored cluster.
func (tx *Tx) Remove(c *Cluster) error {
	t := tx.table()
	owner := c.Owner()
	list := t.byOwner[owner]
	i, ok := slices.BinarySearchFunc(list, c.ID, cmpID)
	if !ok {
		return &InvariantError{fmt.Sprintf("cluster %d", c.ID), "is not stored"}
	}
	prev := list[i]
	t.remove(owner, c.ID, c.EnvironmentScope)
	tx.undo = append(tx.undo, func() {
		list := t.byOwner[owner]
		j, _ := slices.BinarySearchFunc(list, c.ID, cmpID)
		t.byOwner[owner] = slices.Insert(list, j, prev)
		t.scopes.add(owner, c.ID, c.EnvironmentScope)
		t.count++
	})
	return nil
}

// checkChange is the invariants for a cluster about to be stored under owner.
func (tx *Tx) checkChange(owner Owner, c *Cluster, except int) error {
	where := fmt.Sprintf("cluster %d", c.ID)
	if err := tx.t.check(where, c); err != nil {
		return err
	}
	if tx.ScopeTaken(owner, c.EnvironmentScope, except) {
		return &InvariantError{where, fmt.Sprintf("environment scope %q is taken by another cluster of the same %s", c.EnvironmentScope, ownerName(owner))}
	}
	return nil
}

func (t *Table) find(owner Owner, id int) (Packed, bool) {
	list := t.byOwner[owner]
	if i, ok := slices.BinarySearchFunc(list, id, cmpID); ok {
		return list[i], true
	}
	return "", false
}

// scopeOf is the environment scope of an owner's stored cluster.
func (t *Table) scopeOf(owner Owner, id int) (string, bool) {
	p, ok := t.find(owner, id)
	if !ok {
		return "", false
	}
	return p.Scope(), true
}

func (t *Table) remove(owner Owner, id int, scope string) {
	list := t.byOwner[owner]
	if i, ok := slices.BinarySearchFunc(list, id, cmpID); ok {
		t.byOwner[owner] = slices.Delete(list, i, i+1)
		t.scopes.remove(owner, id, scope)
		t.count--
	}
}

// Compare ids without the overflow a subtraction of two large ids would give.
func byID(a, b Packed) int       { return cmpInt(a.ID(), b.ID()) }
func cmpID(p Packed, id int) int { return cmpInt(p.ID(), id) }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
