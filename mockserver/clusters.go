package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/glclusters/clustersapi/mockserver/internal/store"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/glclusters/clustersapi/mockserver/internal/glversion"
	"github.com/glclusters/clustersapi/mockserver/internal/paging"
)

// listClusters serves GET /projects/:id/clusters, GET /groups/:id/clusters and
// GET /admin/clusters: Developer and above (admins for the instance), ordered by id, paginated.
func (s *Server) listClusters(c *call) {
	if c.level() < s.readLevel() {
		c.fail(errForbidden)
		return
	}
	pg := paging.Parse(c.query)
	items, total := c.st.clusters.Page(c.owner(), pg.Offset(), pg.PerPage)
	rawID := "" // the instance's route has no id
	if !c.instance {
		rawID = c.params.id // read by the project's or group's lookup
	}
	pg.SetHeaders(c.w.Header(), c.r, c.query, c.path, rawID, total)
	buf := listBuffers.Get().(*[]byte)
	out := append((*buf)[:0], '[')
	for i, it := range items {
		if i > 0 {
			out = append(out, ',')
		}
		out = c.st.appendEntity(out, it)
	}
	out = append(out, ']')
	c.json(http.StatusOK, out)
	putBuffer(buf, out)
}

// errManagementProject is the management project check's error, which comes alone.
var errManagementProject = func() *apiError {
	errs := &fieldErrors{}
	errs.add("management_project_id", msgManagementProject)
	return validationError(errs)
}()

// listBuffers recycles response bodies: a page or a cluster is rendered into one and written
// out (net/http copies it into its own buffer), so rendering allocates nothing.
var listBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// lookup finds the path's cluster in the project: 404 Not found before 403, as GitLab's
// authorize!(…, cluster) loads the cluster first.
func (s *Server) lookup(c *call, level int) (store.Packed, bool) {
	id, _ := strconv.Atoi(c.params.clusterID) // validated as an integer already
	cl, ok := c.st.clusters.Find(c.owner(), id)
	if !ok {
		c.fail(errRecordNotFound)
		return "", false
	}
	if c.level() < level {
		c.fail(errForbidden)
		return "", false
	}
	return cl, true
}

// getCluster serves GET /projects/:id/clusters/:cluster_id and its group and instance twins.
func (s *Server) getCluster(c *call) {
	if cl, ok := s.lookup(c, s.readLevel()); ok {
		c.present(http.StatusOK, cl)
	}
}

// createCluster serves POST /projects/:id/clusters/user, POST /groups/:id/clusters/user and
// POST /admin/clusters/add (Clusters::CreateService).
func (s *Server) createCluster(c *call) {
	if c.level() < accessMaintainer {
		c.fail(errForbidden)
		return
	}
	b := c.body
	pk, _ := b["platform_kubernetes_attributes"].(map[string]any)
	now := s.now().UTC().Truncate(time.Millisecond)
	owner := c.owner()
	cl := &cluster{
		Type: owner.Kind, Name: str(b["name"]), Enabled: boolean(b["enabled"]), Managed: boolean(b["managed"]),
		ProviderType: "user", EnvironmentScope: strings.TrimSpace(str(b["environment_scope"])),
		NamespacePerEnvironment: boolean(b["namespace_per_environment"]), UserID: c.tok.user.id,
		CreatedAt: now, UpdatedAt: now, APIURL: str(pk["api_url"]), Token: strings.TrimSpace(str(pk["token"])),
		AuthorizationType: str(pk["authorization_type"]),
	}
	if v, ok := b["domain"]; ok && v != nil {
		d := str(v)
		cl.Domain = &d
	}
	if v, ok := pk["ca_cert"]; ok && v != nil {
		ca := strings.TrimSpace(str(v))
		cl.CACert = &ca
	}
	switch owner.Kind {
	case projectType:
		cl.ProjectID = owner.ID
	case groupType:
		cl.GroupID = owner.ID
	}
	cl.Namespace = normaliseNamespace(pk)
	mgmt, hasMgmt := b["management_project_id"]
	hasMgmt = hasMgmt && mgmt != nil // nil ('' in Grape) is no management project

	if hasMgmt {
		id := integer(mgmt)
		if !c.st.managementProjectAllowed(id, c) {
			c.fail(errManagementProject)
			return
		}
		cl.ManagementProjectID = &id
	}
	var stored store.Packed
	err := c.st.clusters.Update(func(tx *store.Tx) error {
		errs := validateCluster(cl, nil, s.cfg.allowLocalURLs, func(scope string) bool { return tx.ScopeTaken(owner, scope, 0) })
		if !s.gv.MultipleClusters() && tx.OwnerLen(owner) > 0 {
			errs = errs.prepend("base", glversion.MsgMultipleClusters) // a model validation of its own in 12.x
		}
		if tx.Len() >= s.cfg.maxClusters { // the mock's storage cap, as GitLab's plan limits answer (Limitable)
			errs = errs.prepend("base", fmt.Sprintf("Maximum number of clusters (%d) exceeded", s.cfg.maxClusters))
		}
		if !errs.empty() {
			return validationError(errs)
		}
		var err error
		stored, err = tx.Insert(cl)
		return err
	})
	if err != nil {
		s.failWrite(c, err)
		return
	}
	c.present(http.StatusCreated, stored)
}

// updateCluster serves PUT /projects/:id/clusters/:cluster_id and its group and instance
// twins (Clusters::UpdateService).
func (s *Server) updateCluster(c *call) {
	if _, ok := s.lookup(c, accessMaintainer); !ok {
		return
	}
	var stored store.Packed
	err := c.st.clusters.Update(func(tx *store.Tx) error {
		old, e := c.findForWrite(tx) // again: it may have changed since the lookup
		if e != nil {
			return e
		}
		if v, ok := c.body["management_project_id"]; ok && v != nil { // params[:management_project_id].present?
			if !c.st.managementProjectAllowed(integer(v), c) {
				return errManagementProject
			}
		}
		cl := updated(old, c.body)
		errs := validateCluster(cl, old, s.cfg.allowLocalURLs, func(scope string) bool { return tx.ScopeTaken(cl.Owner(), scope, cl.ID) })
		if !errs.empty() {
			return validationError(errs)
		}
		if changed(old, cl) {
			cl.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
		}
		var err error
		stored, err = tx.Replace(old, cl)
		return err
	})
	if err != nil {
		s.failWrite(c, err)
		return
	}
	if c.instance { // the instance edit presents Entities::ClusterProject (lib/api/admin/instance_clusters.rb)
		buf := listBuffers.Get().(*[]byte)
		out := c.st.appendWithNullProject((*buf)[:0], stored)
		c.json(http.StatusOK, out)
		putBuffer(buf, out)
		return
	}
	c.present(http.StatusOK, stored)
}

// updated is old with the request's changes: a copy that shares old's strings and pointers,
// which updates replace, never change.
func updated(old *cluster, b map[string]any) *cluster {
	copied := *old
	cl := &copied
	if v, ok := b["name"]; ok {
		cl.Name = str(v)
	}
	if v, ok := b["domain"]; ok {
		cl.Domain = nil
		if v != nil {
			d := str(v)
			cl.Domain = &d
		}
	}
	if v, ok := b["environment_scope"]; ok {
		cl.EnvironmentScope = strings.TrimSpace(str(v))
	}
	if v, ok := b["namespace_per_environment"]; ok { // the spec's default makes it always present
		cl.NamespacePerEnvironment = boolean(v)
	}
	if v, ok := b["management_project_id"]; ok {
		cl.ManagementProjectID = nil // nil, from "" or null, clears it
		if v != nil {
			mid := integer(v)
			cl.ManagementProjectID = &mid
		}
	}
	if v, ok := b["enabled"]; ok {
		cl.Enabled = boolean(v)
	}
	if v, ok := b["managed"]; ok {
		cl.Managed = boolean(v)
	}
	if pk, ok := b["platform_kubernetes_attributes"].(map[string]any); ok {
		if v, ok := pk["api_url"]; ok {
			cl.APIURL = str(v)
		}
		if v, ok := pk["token"]; ok && strings.TrimSpace(str(v)) != "" { // a blank token is dropped
			cl.Token = strings.TrimSpace(str(v))
		}
		if v, ok := pk["ca_cert"]; ok {
			cl.CACert = nil
			if v != nil {
				ca := strings.TrimSpace(str(v))
				cl.CACert = &ca
			}
		}
		if _, ok := pk["namespace"]; ok {
			cl.Namespace = normaliseNamespace(pk)
		}
	}
	return cl
}

// deleteCluster serves DELETE /projects/:id/clusters/:cluster_id and its group and instance
// twins (destroy_conditionally!).
func (s *Server) deleteCluster(c *call) {
	if _, ok := s.lookup(c, accessMaintainer); !ok {
		return
	}
	err := c.st.clusters.Update(func(tx *store.Tx) error {
		cl, e := c.findForWrite(tx)
		if e != nil {
			return e
		}
		if h := c.r.Header.Get("If-Unmodified-Since"); h != "" {
			if since, err := http.ParseTime(h); err == nil && since.Before(cl.UpdatedAt) {
				return errPrecondition
			}
		}
		return tx.Remove(cl)
	})
	if err != nil {
		s.failWrite(c, err)
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// findForWrite finds the path's cluster again inside a write, as lookup found it before.
func (c *call) findForWrite(tx *store.Tx) (*cluster, *apiError) {
	id, _ := strconv.Atoi(c.params.clusterID)
	p, ok := tx.Find(c.owner(), id)
	if !ok {
		return nil, errRecordNotFound
	}
	return p.Unpack(), nil
}

// failWrite answers a write that was not made: with the GitLab error the handler returned,
// or, when the store refused it or the state file could not be written (the change undone),
// with GitLab's 500 and a log line.
func (s *Server) failWrite(c *call, err error) {
	var e *apiError
	if errors.As(err, &e) {
		c.fail(e)
		return
	}
	s.log.Error("cluster change not stored", "method", c.r.Method, "path", c.path, "error", err.Error())
	c.fail(errInternal)
}

// managementProjectAllowed is ValidateManagementProjectPermissionsService: the project is in
// the cluster's scope (a project cluster: its namespace's own projects; a group cluster: the
// group's projects, subgroups included; an instance cluster: any project) and the user is a
// Maintainer there.
func (st *state) managementProjectAllowed(id int, c *call) bool {
	mp := st.projects[id]
	if mp == nil || mp.accessLevel(c.tok.user) < accessMaintainer {
		return false
	}
	switch {
	case c.group != nil:
		return c.group.contains(mp.ns)
	case c.instance:
		return true
	}
	return mp.ns == c.project.ns
}

// owner is the project, group or instance the route names.
func (c *call) owner() store.Owner {
	switch {
	case c.group != nil:
		return store.Owner{Kind: groupType, ID: c.group.id}
	case c.instance:
		return store.Owner{Kind: instanceType}
	}
	return store.Owner{Kind: projectType, ID: c.project.id}
}

// level is the caller's role where the route's clusters live: the project's (with inherited
// group roles), the group's (with its ancestors'), or, at the instance, Owner for an admin
// (Clusters::InstancePolicy gives admins every cluster ability; others were refused already).
func (c *call) level() int {
	switch {
	case c.group != nil:
		return c.group.accessLevel(c.tok.user)
	case c.instance:
		if c.tok.user.admin {
			return accessOwner
		}
		return accessNone
	}
	return c.project.accessLevel(c.tok.user)
}

// present renders one cluster as the route's show and create do: Entities::ClusterProject,
// Entities::ClusterGroup, or Entities::Cluster at the instance.
func (c *call) present(status int, cl store.Packed) {
	buf := listBuffers.Get().(*[]byte)
	out := (*buf)[:0]
	switch {
	case c.group != nil:
		out = c.st.appendWithGroup(out, cl, c.group)
	case c.instance:
		out = c.st.appendEntity(out, cl)
	default:
		out = c.st.appendWithProject(out, cl, c.project)
	}
	c.json(status, out)
	putBuffer(buf, out)
}

// putBuffer returns a rendering buffer to listBuffers, unless it grew large.
func putBuffer(buf *[]byte, out []byte) {
	if cap(out) <= 1<<20 {
		*buf = out
		listBuffers.Put(buf)
	}
}

// normaliseNamespace applies Platforms::Kubernetes' before_validation: downcase, blank is nil.
func normaliseNamespace(pk map[string]any) *string {
	v, ok := pk["namespace"]
	if !ok {
		return nil
	}
	ns := strings.ToLower(str(v))
	if strings.TrimSpace(ns) == "" {
		return nil
	}
	return &ns
}

// changed says whether an update changed what is stored, the update time aside. It compares
// the stored (packed) forms, so a field added to a cluster counts without being listed here.
func changed(old, updated *cluster) bool {
	a, b := *old, *updated
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return store.Pack(&a) != store.Pack(&b)
}

// Body values come from kin-openapi, validated against the spec.

func str(v any) string {
	s, _ := v.(string)
	return s
}

func boolean(v any) bool {
	b, _ := v.(bool)
	return b
}

func integer(v any) int {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	case float64:
		return int(n)
	case int:
		return n
	case int64:
		return int(n)
	}
	return 0
}

// readLevel is the role that may read clusters in the release the server models.
func (s *Server) readLevel() int {
	if s.gv.ReadNeedsMaintainer() {
		return accessMaintainer
	}
	return accessDeveloper
}
