// Package role names GitLab's access levels (Gitlab::Access) and numbers them as GitLab does.
package role

// The access levels, as GitLab numbers them. They are untyped constants, so they compare with
// the plain ints the mock stores in its member tables.
const (
	None       = 0
	Guest      = 10
	Reporter   = 20
	Developer  = 30
	Maintainer = 40
	Owner      = 50
)

// names are the levels a member may have, by the name a seed gives them.
var names = [...]struct {
	name  string
	level int
}{{"guest", Guest}, {"reporter", Reporter}, {"developer", Developer}, {"maintainer", Maintainer}, {"owner", Owner}}

// ByName returns the level of guest, reporter, developer, maintainer or owner (lower case, as
// seeds write them); false for any other name, "none" included.
func ByName(name string) (int, bool) {
	for _, n := range names {
		if n.name == name {
			return n.level, true
		}
	}
	return None, false
}

// Name returns a member's level's name, as ByName takes it; "" for None and for any number
// that is not a level.
func Name(level int) string {
	for _, n := range names {
		if n.level == level {
			return n.name
		}
	}
	return ""
}
