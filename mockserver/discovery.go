package mockserver

import (
	"github.com/glclusters/clustersapi/mockserver/internal/store"
	"net/http"
	"strconv"
	"strings"
)

// discoverClusters serves GET /discover-cert-based-clusters (lib/api/cluster_discovery.rb):
// find_group!, then the clusters of the group itself, of its subgroups where the caller is a
// Maintainer or higher, and of its and its subgroups' projects where the caller is a
// Maintainer or higher, keyed by full path. No feature flag check and no authorize!.
func (s *Server) discoverClusters(c *call) {
	id, _ := strconv.Atoi(strings.TrimSpace(c.query.Get("group_id"))) // validated as an integer already
	st := c.st
	g := st.namespaces[id]
	if g == nil || !g.isGroup() || !st.groupReadable(g, c.tok.user) {
		c.fail(errGroupNotFound)
		return
	}
	u := c.tok.user
	groups := map[int]*namespace{g.id: g} // the group itself, whatever the caller's role
	for _, n := range st.namespaces {
		if n != g && n.isGroup() && g.contains(n) && n.memberLevel(u) >= accessMaintainer {
			groups[n.id] = n
		}
	}
	projects := map[int]*project{}
	for _, p := range st.projects {
		if g.contains(p.ns) && p.memberLevel(u) >= accessMaintainer {
			projects[p.id] = p
		}
	}
	byGroup, byProject := map[string][]discovered{}, map[string][]discovered{}
	// Each owner's clusters are in id order; full paths are unique, so one key is one owner.
	for _, n := range groups {
		if list := st.clusters.List(store.Owner{Kind: groupType, ID: n.id}); len(list) > 0 {
			byGroup[n.fullPath()] = discoveredList(list)
		}
	}
	for _, p := range projects {
		if list := st.clusters.List(store.Owner{Kind: projectType, ID: p.id}); len(list) > 0 {
			byProject[p.fullPath()] = discoveredList(list)
		}
	}
	c.json(http.StatusOK, mustJSON(struct {
		Groups   map[string][]discovered `json:"groups"`
		Projects map[string][]discovered `json:"projects"`
	}{byGroup, byProject}))
}

// discovered is Entities::DiscoveredClusters::ClusterBasic.
type discovered struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func discoveredList(list []store.Packed) []discovered {
	out := make([]discovered, len(list))
	for i, p := range list {
		out[i] = discovered{p.ID(), p.Unpack().Name}
	}
	return out
}
