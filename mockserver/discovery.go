package mockserver

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// discoverClusters serves GET /discover-cert-based-clusters (lib/api/cluster_discovery.rb):
// find_group!, then the clusters of the group itself, of its subgroups where the caller is a
// Maintainer or higher, and of its and its subgroups' projects where the caller is a
// Maintainer or higher, keyed by full path. No feature flag check and no authorize!.
func (s *Server) discoverClusters(c *call) {
	id, _ := strconv.Atoi(strings.TrimSpace(c.r.URL.Query().Get("group_id"))) // validated as an integer already
	st := c.st
	st.mu.RLock()
	defer st.mu.RUnlock()
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
	for _, cid := range slices.Sorted(maps.Keys(st.clusters)) {
		cl := st.clusters[cid]
		switch {
		case cl.clusterType == groupType && groups[cl.groupID] != nil:
			key := groups[cl.groupID].fullPath()
			byGroup[key] = append(byGroup[key], discovered{cl.id, cl.name})
		case cl.clusterType == projectType && projects[cl.projectID] != nil:
			key := projects[cl.projectID].fullPath()
			byProject[key] = append(byProject[key], discovered{cl.id, cl.name})
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
