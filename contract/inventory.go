package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// InventoryConfig says which certificate-based clusters to list: the groups' (with their
// descendants' through discovery), the projects' and the instance's.
type InventoryConfig struct {
	URL, Token string
	Groups     []string // ids or full paths
	Projects   []string // ids or full paths
	Instance   bool     // the instance's clusters (needs an admin token)
	// All: every group and project of the instance (GET /groups, GET /projects: all of them
	// for an administrator) and the instance's clusters.
	All    bool
	Client *Client
	// Seed, when not nil, receives a glmock seed of what was read (inventory_seed.go).
	Seed io.Writer
}

// Inventory is what `glcontract inventory` found: data, rendered by the inventory reporters.
type Inventory struct {
	Tool     string              `json:"tool"`
	Target   InventoryTarget     `json:"target"`
	Clusters []InventoryCluster  `json:"clusters"`
	Problems []InventoryProblem  `json:"problems"`
	Notes    []string            `json:"notes"`
	Summary  InventorySummary    `json:"summary"`
	Feature  InventoryFeatureDoc `json:"feature"`
	Exit     int                 `json:"exit_code"`
	Verdict  string              `json:"verdict"`
	// Error is why no inventory could be made (exit 2): the report files still say it.
	Error string `json:"error,omitempty"`
}

// AbortedInventory is the inventory of a run that could not be made, for its report files.
func AbortedInventory(url, reason string) *Inventory {
	return &Inventory{Tool: "glcontract inventory", Target: InventoryTarget{URL: url}, Clusters: []InventoryCluster{},
		Problems: []InventoryProblem{}, Notes: []string{}, Exit: 2, Verdict: "aborted: " + reason, Error: reason}
}

// InventoryTarget is the instance asked.
type InventoryTarget struct {
	URL     string `json:"url"`
	Version string `json:"version,omitempty"`
	// APIDisabled: a clusters endpoint answered GitLab's feature-flag 404 (certificate_based_clusters off).
	APIDisabled bool `json:"clusters_api_disabled"`
}

// InventoryCluster is one certificate-based cluster and what an upgrade does to it.
type InventoryCluster struct {
	Kind             string `json:"kind"`  // project, group or instance
	Where            string `json:"where"` // project path_with_namespace or group full_path; "" for the instance
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Enabled          *bool  `json:"enabled"` // nil: not readable (clusters API disabled)
	Managed          *bool  `json:"managed"`
	EnvironmentScope string `json:"environment_scope,omitempty"`
	FoundBy          string `json:"found_by"` // the flag that found it, and how
	IfFlagOff        string `json:"if_flag_off"`
	IfRemoved        string `json:"if_removed"`
}

// InventoryProblem is a scope that could not be (fully) read.
type InventoryProblem struct {
	Scope   string `json:"scope"` // --group platform, --project 1, --instance
	Status  int    `json:"status,omitempty"`
	Message string `json:"message"`
}

// InventorySummary counts the clusters.
type InventorySummary struct {
	Clusters int `json:"clusters"`
	Enabled  int `json:"enabled"`
	Disabled int `json:"disabled"`
	Unknown  int `json:"state_unknown"`
}

// InventoryFeatureDoc is what GitLab does with the feature, said once for the whole report.
type InventoryFeatureDoc struct {
	Flag    string `json:"flag"`
	FlagOff string `json:"flag_off"`
	Removal string `json:"removal"`
}

// Inventory exit statuses (documented in `glcontract inventory --help` and the READMEs).
const (
	InventoryNone       = 0 // no enabled certificate-based cluster (none, or only disabled ones), every scope read
	InventoryCutOff     = 1 // enabled clusters an upgrade would cut off
	InventoryIncomplete = 3 // a scope could not be read: clusters API disabled, 403, not found
)

// What GitLab does (gitlab-cluster-family.md §5, gitlab-clusters-api.md §8).
const (
	featureFlagOff = "with the ops feature flag certificate_based_clusters off (the default on self-managed since 15.0) every " +
		"project, group and instance clusters endpoint answers 404 and GitLab's certificate-based cluster features are " +
		"disabled; the clusters stay stored, and switching the flag on brings them back"
	featureRemoval = "deprecated in 14.5; removal was planned (17.0 in GitLab MR 96007, 19.0 in client-go and the Terraform " +
		"provider) and postponed so far: the code is still in the newest GitLab source read; once it is removed, these clusters " +
		"can no longer be used or read through the API"
	disabledAPIMessage = "the clusters API is disabled on this instance (feature flag certificate_based_clusters off: GitLab answers " +
		"404 Not Found on the cluster endpoints); clusters may still exist in the database: " + flagOnTemporarily + " to inventory them, then off again"
	// flagOnTemporarily is how to switch the flag on, as inventory and check say it.
	flagOnTemporarily = "switch the flag on temporarily (Feature.enable(:certificate_based_clusters) in a Rails console)"
	// flagOnAdvice is check's word for a baseline whose clusters API is now disabled.
	flagOnAdvice = "the clusters still exist but GitLab no longer uses them; to keep them working, switch the flag on " +
		"(Feature.enable(:certificate_based_clusters) in a Rails console), and run glcontract inventory to list what depends on it"
)

// ErrTokenRefused is a token GitLab answers 401 to (exit 2).
var ErrTokenRefused = errors.New("token refused")

// inventorier reads; its only request method is get, so an inventory never writes.
type inventorier struct {
	cfg     InventoryConfig
	t       *target
	inv     *Inventory
	seen    map[int64]int // cluster id → index in inv.Clusters
	version [2]int        // major, minor; 0,0 when unknown
	// allGroups, allProjects: what --all listed, in the seed even without clusters
	allGroups, allProjects []int
}

// RunInventory lists the certificate-based clusters of cfg's scopes. It sends only GET requests.
// The error is non-nil when no inventory could be made (ErrUsage, ErrUnreachable, ErrNotGitLab,
// ErrUnavailable, ErrTokenRefused, a *RedirectError, a canceled context).
func RunInventory(ctx context.Context, cfg InventoryConfig) (*Inventory, error) {
	t, err := openTarget(cfg.URL, cfg.Token, cfg.Client)
	if err != nil {
		return nil, err
	}
	if len(cfg.Groups) == 0 && len(cfg.Projects) == 0 && !cfg.Instance && !cfg.All {
		return nil, fmt.Errorf("%w: nothing to inventory: give --group, --project, --instance or --all", ErrUsage)
	}
	// values as given or URL-encoded (group%2Fproject), as check's --project
	groups, projects := make([]string, len(cfg.Groups)), make([]string, len(cfg.Projects))
	for _, l := range []struct {
		flag    string
		in, out []string
	}{{"--group", cfg.Groups, groups}, {"--project", cfg.Projects, projects}} {
		for i, v := range l.in {
			p, err := url.PathUnescape(strings.TrimSpace(v))
			if err != nil || p == "" {
				return nil, fmt.Errorf("%w: %s %q: an id or a full path such as group/project", ErrUsage, l.flag, v)
			}
			l.out[i] = p
		}
	}
	cfg.Groups, cfg.Projects = groups, projects
	iv := &inventorier{cfg: cfg, t: t, seen: map[int64]int{},
		inv: &Inventory{Tool: "glcontract inventory", Target: InventoryTarget{URL: t.shown}, Clusters: []InventoryCluster{},
			Problems: []InventoryProblem{}, Notes: []string{},
			Feature: InventoryFeatureDoc{Flag: "certificate_based_clusters", FlagOff: featureFlagOff, Removal: featureRemoval}}}
	// the same probe as a check run: is this GitLab, is it up, no redirect elsewhere
	if err := t.probe(ctx); err != nil {
		return nil, err
	}
	if err := iv.readVersion(ctx); err != nil {
		return nil, err
	}
	for _, g := range cfg.Groups {
		if err := iv.group(ctx, g); err != nil {
			return nil, err
		}
	}
	for _, p := range cfg.Projects {
		if err := iv.owner(ctx, KindProject, p, "--project "+p, ""); err != nil {
			return nil, err
		}
	}
	if cfg.Instance && !cfg.All {
		if err := iv.owner(ctx, KindInstance, "", "--instance", ""); err != nil {
			return nil, err
		}
	}
	if cfg.All {
		if err := iv.all(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.Seed != nil {
		if err := iv.writeSeed(ctx, cfg.Seed); err != nil {
			return nil, err
		}
	}
	iv.finish()
	iv.inv.redact(t.redact)
	return iv.inv, nil
}

// get is the inventory's only request: a GET through the target; a 401 ends the inventory.
func (iv *inventorier) get(ctx context.Context, path string) (*response, error) {
	resp, err := iv.t.get(ctx, path)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized {
		return nil, fmt.Errorf("%w: GitLab answered 401 Unauthorized to GET %s: the token is wrong, expired or revoked", ErrTokenRefused, path)
	}
	return resp, nil
}

func (iv *inventorier) readVersion(ctx context.Context) error {
	resp, err := iv.get(ctx, "/version")
	if err != nil {
		return err
	}
	var v struct {
		Version string `json:"version"`
	}
	if resp.Status == http.StatusOK && json.Unmarshal(resp.Body, &v) == nil {
		iv.inv.Target.Version = v.Version
		iv.version = parseMajorMinor(v.Version)
	}
	return nil
}

// parseMajorMinor reads "17.9.1-ee" as {17, 9}; {0, 0} when it cannot.
func parseMajorMinor(v string) [2]int {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return [2]int{}
	}
	minor := strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil {
		return [2]int{}
	}
	return [2]int{a, b}
}

// hasDiscovery: GitLab 17.9 and later (an unknown version is tried).
func (iv *inventorier) hasDiscovery() bool {
	v := iv.version
	return v == [2]int{} || v[0] > 17 || (v[0] == 17 && v[1] >= 9)
}

// apiError is GitLab's answer to a refused request: {"message": ...} from its helpers,
// {"error": ...} from Grape, its scope check and the catch-all route.
type apiError struct {
	status         int
	message, error string
}

func readAPIError(resp *response) apiError {
	var body struct {
		Message any    `json:"message"`
		Error   string `json:"error"`
	}
	e := apiError{status: resp.Status}
	if json.Unmarshal(resp.Body, &body) == nil {
		e.message, _ = body.Message.(string)
		e.error = body.Error
	}
	return e
}

// flagOff is GitLab's feature-flag answer, 404 {"message":"404 Not Found"} (a missing group is
// "404 Group Not Found", a missing route {"error":"404 Not Found"}).
func (e apiError) flagOff() bool {
	return e.status == http.StatusNotFound && e.message == "404 Not Found"
}

// noRoute is the catch-all 404 of a route this version does not have.
func (e apiError) noRoute() bool {
	return e.status == http.StatusNotFound && e.error == "404 Not Found"
}

// problem records a scope that could not be read, explaining GitLab's answer.
func (iv *inventorier) problem(scope string, resp *response, kind string) {
	e := readAPIError(resp)
	msg := e.message
	if msg == "" {
		msg = e.error
	}
	if msg == "" {
		msg = strconv.Itoa(resp.Status) + " " + http.StatusText(resp.Status)
	}
	switch {
	case e.noRoute():
		msg = "404 Not Found (no such route: this GitLab version has no " + kind + " clusters API)"
	case e.flagOff():
		iv.inv.Target.APIDisabled = true
		msg = disabledAPIMessage
	case resp.Status == http.StatusForbidden && kind == KindInstance:
		msg = "403 Forbidden: the instance's clusters need an administrator's token"
	case resp.Status == http.StatusForbidden && e.error == "insufficient_scope":
		msg = "403 insufficient_scope: the token needs the read_api or api scope"
	case resp.Status == http.StatusForbidden:
		msg = "403 Forbidden: reading clusters needs the Developer role or higher (Maintainer before GitLab 13.0)"
	case resp.Status == http.StatusNotFound:
		msg += " (it does not exist, or the token's user cannot see it)"
	}
	iv.inv.Problems = append(iv.inv.Problems, InventoryProblem{Scope: scope, Status: resp.Status, Message: msg})
}

// clusterJSON is what the inventory reads of Entities::Cluster (never the token: GitLab does not send it).
type clusterJSON struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Enabled          *bool  `json:"enabled"`
	Managed          *bool  `json:"managed"`
	EnvironmentScope string `json:"environment_scope"`
	Group            *struct {
		ID int64 `json:"id"`
	} `json:"group"`
}

// ownerPath is the API path of a project's, group's or the instance's clusters.
func ownerPath(kind, id string) string {
	switch kind {
	case KindProject:
		return "/projects/" + url.PathEscape(id) + "/clusters"
	case KindGroup:
		return "/groups/" + url.PathEscape(id) + "/clusters"
	}
	return "/admin/clusters"
}

// list reads every page of an owner's clusters; ok is false when the first page was refused
// (recorded as a problem for scope).
func (iv *inventorier) list(ctx context.Context, kind, id, scope string) ([]clusterJSON, bool, error) {
	var all []clusterJSON
	for page := 1; page <= defaultMaxPages; page++ {
		resp, err := iv.get(ctx, ownerPath(kind, id)+"?per_page=100&page="+strconv.Itoa(page))
		if err != nil {
			return nil, false, err
		}
		if resp.Status != http.StatusOK {
			iv.problem(scope, resp, kind)
			return all, false, nil
		}
		var items []clusterJSON
		if err := json.Unmarshal(resp.Body, &items); err != nil {
			return nil, false, fmt.Errorf("%w: GET %s: not a list of clusters: %w", ErrNotGitLab, ownerPath(kind, id), err)
		}
		all = append(all, items...)
		if resp.Header.Get("X-Next-Page") == "" || len(items) == 0 {
			return all, true, nil
		}
	}
	// a list that did not end was not read: page defaultMaxPages+1 could hold enabled clusters
	iv.inv.Problems = append(iv.inv.Problems, InventoryProblem{Scope: scope, Message: fmt.Sprintf(
		"incomplete: GET %s did not end within %d pages (%d read, %d clusters; X-Next-Page still announced a next page): clusters beyond were not read; "+
			"check the instance's pagination, or inventory a smaller scope", ownerPath(kind, id), defaultMaxPages, defaultMaxPages, len(all))})
	return all, true, nil
}

// owner lists one project's, group's or the instance's clusters. where is the owner's path
// when known (discovery gives it); otherwise id.
func (iv *inventorier) owner(ctx context.Context, kind, id, foundBy, where string) error {
	items, ok, err := iv.list(ctx, kind, id, foundBy)
	if err != nil || !ok {
		return err
	}
	if where == "" && kind != KindInstance {
		where = id
		if kind == KindProject && isDigits(id) && len(items) > 0 {
			if where, err = iv.projectPath(ctx, id); err != nil {
				return err
			}
		}
	}
	for _, c := range items {
		iv.add(InventoryCluster{Kind: kind, Where: where, ID: c.ID, Name: c.Name, Enabled: c.Enabled, Managed: c.Managed,
			EnvironmentScope: c.EnvironmentScope, FoundBy: foundBy})
	}
	return nil
}

// add records a cluster once (discovery and --project may both find it); details win over
// discovery's id and name.
func (iv *inventorier) add(c InventoryCluster) {
	if i, ok := iv.seen[c.ID]; ok {
		old := &iv.inv.Clusters[i]
		if old.Enabled == nil && c.Enabled != nil {
			old.Enabled, old.Managed, old.EnvironmentScope = c.Enabled, c.Managed, c.EnvironmentScope
		}
		if old.Where == "" || isDigits(old.Where) {
			old.Where = c.Where
		}
		return
	}
	iv.seen[c.ID] = len(iv.inv.Clusters)
	iv.inv.Clusters = append(iv.inv.Clusters, c)
}

func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 63)
	return err == nil
}

// group inventories a group: through discovery (17.9+) its own clusters and those of its
// subgroups and projects, each then read for its state; before 17.9, its own clusters only.
func (iv *inventorier) group(ctx context.Context, g string) error {
	scope := "--group " + g
	if !iv.hasDiscovery() {
		iv.inv.Notes = append(iv.inv.Notes, fmt.Sprintf("%s: GitLab %s has no discovery endpoint (from 17.9): only the group's own clusters are listed; "+
			"give its subgroups (--group) and projects (--project) to inventory them", scope, iv.inv.Target.Version))
		return iv.owner(ctx, KindGroup, g, scope, "")
	}
	gid, ok, err := iv.groupID(ctx, g, scope) // discovery needs the numeric id
	if err != nil || !ok {
		return err
	}
	resp, err := iv.get(ctx, "/discover-cert-based-clusters?group_id="+gid)
	if err != nil {
		return err
	}
	if readAPIError(resp).noRoute() {
		// the catch-all route: no discovery in this version after all
		iv.inv.Notes = append(iv.inv.Notes, scope+": this GitLab has no discovery endpoint: only the group's own clusters are listed")
		return iv.owner(ctx, KindGroup, g, scope, "")
	}
	if resp.Status != http.StatusOK {
		iv.problem(scope, resp, KindGroup)
		return nil
	}
	var found struct {
		Groups   map[string][]clusterJSON `json:"groups"`
		Projects map[string][]clusterJSON `json:"projects"`
	}
	if err := json.Unmarshal(resp.Body, &found); err != nil {
		return fmt.Errorf("%w: GET /discover-cert-based-clusters: %w", ErrNotGitLab, err)
	}
	iv.inv.Notes = append(iv.inv.Notes, scope+": found through discovery, which lists the group's own clusters and those of the subgroups and "+
		"projects where the token's user is a Maintainer or higher (admin status does not count)")
	for _, kind := range []string{KindGroup, KindProject} {
		owners := found.Groups
		if kind == KindProject {
			owners = found.Projects
		}
		for _, path := range sortedKeys(owners) {
			for _, c := range owners[path] {
				iv.add(InventoryCluster{Kind: kind, Where: path, ID: c.ID, Name: c.Name, FoundBy: scope + " (discovery)"})
			}
			// the state (enabled, managed, scope) is only in the clusters API
			if err := iv.details(ctx, kind, path, scope); err != nil {
				return err
			}
		}
	}
	return nil
}

// details reads the state of discovered clusters from their owner's list.
func (iv *inventorier) details(ctx context.Context, kind, path, scope string) error {
	if iv.inv.Target.APIDisabled {
		return nil // one 404 says it for all
	}
	items, ok, err := iv.list(ctx, kind, path, scope+": "+path)
	if err != nil || !ok {
		return err
	}
	for _, c := range items {
		if i, seen := iv.seen[c.ID]; seen {
			cl := &iv.inv.Clusters[i]
			cl.Enabled, cl.Managed, cl.EnvironmentScope = c.Enabled, c.Managed, c.EnvironmentScope
		}
	}
	return nil
}

// projectPath is the full path of project id (GET /projects/:id's path_with_namespace); id
// itself when the project cannot be read.
func (iv *inventorier) projectPath(ctx context.Context, id string) (string, error) {
	resp, err := iv.get(ctx, "/projects/"+url.PathEscape(id))
	if err != nil || resp.Status != http.StatusOK {
		return id, err
	}
	var p struct {
		PathWithNamespace string `json:"path_with_namespace"`
	}
	if json.Unmarshal(resp.Body, &p) != nil || p.PathWithNamespace == "" {
		return id, nil
	}
	return p.PathWithNamespace, nil
}

// groupID is g's numeric id: g itself, or GET /groups/:id's id for a full path. ok is false
// when the group cannot be read: the problem is recorded.
func (iv *inventorier) groupID(ctx context.Context, g, scope string) (id string, ok bool, err error) {
	if isDigits(g) {
		return g, true, nil
	}
	resp, err := iv.get(ctx, "/groups/"+url.PathEscape(g))
	if err != nil {
		return "", false, err
	}
	var grp struct {
		ID int64 `json:"id"`
	}
	switch resp.Status {
	case http.StatusOK:
	case http.StatusNotFound:
		iv.inv.Problems = append(iv.inv.Problems, InventoryProblem{Scope: scope, Status: resp.Status,
			Message: "GET /groups/" + url.PathEscape(g) + ": 404: the group does not exist, or the token's user cannot see it"})
		return "", false, nil
	default:
		iv.problem(scope, resp, KindGroup)
		return "", false, nil
	}
	if err := json.Unmarshal(resp.Body, &grp); err != nil || grp.ID <= 0 {
		return "", false, fmt.Errorf("%w: GET /groups/%s: no group id in the answer", ErrNotGitLab, url.PathEscape(g))
	}
	return strconv.FormatInt(grp.ID, 10), true, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// redact passes everything the target sent (names, paths, scopes, messages, the version)
// through the redactor, before any reporter sees it: a target may echo the token.
func (inv *Inventory) redact(r *Redactor) {
	inv.Target.Version = r.String(inv.Target.Version)
	for i := range inv.Clusters {
		c := &inv.Clusters[i]
		for _, f := range []*string{&c.Where, &c.Name, &c.EnvironmentScope, &c.FoundBy} {
			*f = r.String(*f)
		}
	}
	for i := range inv.Problems {
		inv.Problems[i].Scope, inv.Problems[i].Message = r.String(inv.Problems[i].Scope), r.String(inv.Problems[i].Message)
	}
	for i := range inv.Notes {
		inv.Notes[i] = r.String(inv.Notes[i])
	}
	inv.Verdict = r.String(inv.Verdict)
}

// finish sorts the clusters, says what happens to each, counts and decides the exit status.
func (iv *inventorier) finish() {
	inv := iv.inv
	order := map[string]int{KindInstance: 0, KindGroup: 1, KindProject: 2}
	sort.SliceStable(inv.Clusters, func(i, j int) bool {
		a, b := inv.Clusters[i], inv.Clusters[j]
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] < order[b.Kind]
		}
		if a.Where != b.Where {
			return a.Where < b.Where
		}
		return a.ID < b.ID
	})
	for i := range inv.Clusters {
		c := &inv.Clusters[i]
		switch {
		case c.Enabled == nil:
			inv.Summary.Unknown++
			c.IfFlagOff = "state unknown (the clusters API is disabled): if enabled, GitLab no longer uses it"
			c.IfRemoved = "gone with the feature"
		case *c.Enabled:
			inv.Summary.Enabled++
			c.IfFlagOff = "cut off: the API answers 404 for it and GitLab stops using it"
			c.IfRemoved = "cut off and gone with the feature"
		default:
			inv.Summary.Disabled++
			c.IfFlagOff = "already disabled: nothing changes in use; the API answers 404 for it"
			c.IfRemoved = "gone with the feature"
		}
	}
	inv.Summary.Clusters = len(inv.Clusters)
	switch {
	case inv.Summary.Enabled > 0:
		inv.Exit = InventoryCutOff
		inv.Verdict = fmt.Sprintf("%d enabled certificate-based cluster(s) that switching the feature off or removing it would cut off", inv.Summary.Enabled)
	case len(inv.Problems) > 0:
		inv.Exit = InventoryIncomplete
		inv.Verdict = "incomplete: some of what was asked could not be read (see the problems)"
		if inv.Target.APIDisabled {
			inv.Verdict = "incomplete: " + disabledAPIMessage
		}
	case inv.Summary.Unknown > 0:
		inv.Exit = InventoryIncomplete
		inv.Verdict = fmt.Sprintf("incomplete: %d cluster(s) found whose state could not be read", inv.Summary.Unknown)
	case inv.Summary.Disabled > 0:
		inv.Verdict = fmt.Sprintf("no enabled certificate-based cluster; %d disabled one(s) go with the feature's removal", inv.Summary.Disabled)
	default:
		inv.Verdict = "no certificate-based cluster found"
	}
}
