package store

import "hash/maphash"

// scopeIndex finds an owner's cluster by environment scope (scopes are unique per owner)
// without holding the scope strings: its keys are the owner and a 64-bit hash of the scope,
// so the map has no pointers for the garbage collector to scan, however many clusters are
// stored. A hit is checked against the cluster's own scope; the rare scope whose hash another
// scope of the owner holds already goes to a small map of its own.
type scopeIndex struct {
	byHash     map[scopeKey]int
	collisions map[collisionKey]int
}

type scopeKey struct {
	kind byte // kindByte
	id   int
	hash uint64
}

type collisionKey struct {
	scopeKey
	scope string
}

var scopeSeed = maphash.MakeSeed()

// scopeHash hashes a scope; a test replaces it to make every scope collide.
var scopeHash = func(scope string) uint64 { return maphash.String(scopeSeed, scope) }

func newScopeIndex() scopeIndex {
	return scopeIndex{byHash: map[scopeKey]int{}, collisions: map[collisionKey]int{}}
}

func keyOf(owner Owner, scope string) scopeKey {
	return scopeKey{kindByte(owner.Kind), owner.ID, scopeHash(scope)}
}

// find returns the id of the owner's cluster with the scope; scopeOf reads a stored cluster's.
func (x scopeIndex) find(owner Owner, scope string, scopeOf func(Owner, int) (string, bool)) (int, bool) {
	k := keyOf(owner, scope)
	if id, ok := x.byHash[k]; ok {
		if s, _ := scopeOf(owner, id); s == scope {
			return id, true
		}
	}
	id, ok := x.collisions[collisionKey{k, scope}]
	return id, ok
}

// add indexes a cluster; the owner has no other cluster with the scope.
func (x scopeIndex) add(owner Owner, id int, scope string) {
	k := keyOf(owner, scope)
	if _, taken := x.byHash[k]; taken {
		x.collisions[collisionKey{k, scope}] = id
		return
	}
	x.byHash[k] = id
}

// remove drops a cluster from the index.
func (x scopeIndex) remove(owner Owner, id int, scope string) {
	k := keyOf(owner, scope)
	if got, ok := x.byHash[k]; ok && got == id {
		delete(x.byHash, k)
		return
	}
	ck := collisionKey{k, scope}
	if got, ok := x.collisions[ck]; ok && got == id {
		delete(x.collisions, ck)
	}
}
