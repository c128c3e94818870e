package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// runMarker is how the suite names what it creates: glcontract-<run id>[-suffix], in the
// environment scope glcontract/<run id>[/suffix].
var runMarker = regexp.MustCompile(`^glcontract-([0-9]{8}t[0-9]{6}-[0-9a-f]{6})(-[a-z0-9-]+)?$`)

// SweepConfig says where to look for leftovers of interrupted runs.
type SweepConfig struct {
	URL, Token, Project string
	Group               string // a group id or full path: its clusters too
	Instance            bool   // the instance's clusters too (an administrator's token)
	RunID               string // only this run's leftovers; all runs' when empty
	DryRun              bool   // list, do not delete
	Client              *Client
}

// SweptCluster is a cluster the sweep found.
type SweptCluster struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	EnvironmentScope string `json:"environment_scope"`
	RunID            string `json:"run_id"`
	// Where is the cluster's owner: "project 42", "group platform" or "instance".
	Where   string `json:"where"`
	apiPath string // the cluster's escaped path under /api/v4
	Deleted bool   `json:"deleted"`
	Detail  string `json:"detail,omitempty"`
}

// isLeftover reports whether a cluster carries the suite's marker, in its name and in its
// environment scope, for the same run id (and for runID, when given). Nothing else is ever touched.
func isLeftover(name, scope, runID string) (string, bool) {
	m := runMarker.FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	id := m[1]
	if runID != "" && id != runID {
		return "", false
	}
	if scope != "glcontract/"+id && !strings.HasPrefix(scope, "glcontract/"+id+"/") {
		return "", false
	}
	return id, true
}

// sweepScope is one list of clusters a sweep reads: a project's, a group's or the instance's.
type sweepScope struct {
	where, apiPath string // "group platform", "/groups/platform/clusters"
}

// scopes lists what the sweep looks at, in the order of the flags.
func (cfg SweepConfig) scopes() ([]sweepScope, error) {
	var out []sweepScope
	for _, s := range []struct{ kind, value, path string }{{"project", cfg.Project, "/projects/"}, {"group", cfg.Group, "/groups/"}} {
		v, err := url.PathUnescape(strings.TrimSpace(s.value))
		if err != nil {
			return nil, fmt.Errorf("%w: --%s %q", ErrUsage, s.kind, s.value)
		}
		if v != "" {
			out = append(out, sweepScope{where: s.kind + " " + v, apiPath: s.path + url.PathEscape(v) + "/clusters"})
		}
	}
	if cfg.Instance {
		out = append(out, sweepScope{where: "instance", apiPath: "/admin/clusters"})
	}
	return out, nil
}

// Sweep lists the clusters of the project, the group and the instance it is given and deletes
// those a glcontract run created and did not delete (a run killed before its cleanup). It never
// retries a delete.
func Sweep(ctx context.Context, cfg SweepConfig) ([]SweptCluster, error) {
	if _, err := apiRoot(cfg.URL); err != nil {
		return nil, err
	}
	scopes, err := cfg.scopes()
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" || len(scopes) == 0 {
		return nil, fmt.Errorf("%w: sweep needs --token and --project, --group or --instance", ErrUsage)
	}
	t, err := openTarget(cfg.URL, cfg.Token, cfg.Client)
	if err != nil {
		return nil, err
	}
	return sweep(ctx, t, cfg, scopes)
}

// sweep lists and deletes the leftovers in scopes on target t (a sweep's own, or a run's).
func sweep(ctx context.Context, t *target, cfg SweepConfig, scopes []sweepScope) ([]SweptCluster, error) {
	do := func(method, apiPath string) (*response, error) {
		return t.send(ctx, request{Method: method, APIPath: apiPath})
	}
	var found []SweptCluster
	for _, sc := range scopes {
		more, err := sweepList(cfg, sc, do)
		if err != nil {
			return nil, err
		}
		found = append(found, more...)
	}
	if cfg.DryRun {
		return found, nil
	}
	for i := range found {
		resp, err := do(http.MethodDelete, found[i].apiPath)
		var redir *RedirectError
		if errors.As(err, &redir) {
			return found, redir // the other deletes would go the same way
		}
		switch {
		case err != nil && resp == nil:
			found[i].Detail = err.Error()
		case resp.Status/100 == 2 || resp.Status == http.StatusNotFound:
			found[i].Deleted = true
		default:
			found[i].Detail = fmt.Sprintf("status %d", resp.Status)
		}
	}
	return found, nil
}

// sweepList walks one list of clusters and returns the leftovers in it.
func sweepList(cfg SweepConfig, sc sweepScope, do func(method, apiPath string) (*response, error)) ([]SweptCluster, error) {
	var found []SweptCluster
	for page := 1; page <= defaultMaxPages; page++ {
		resp, err := do(http.MethodGet, sc.apiPath+"?per_page=100&page="+strconv.Itoa(page))
		var redir *RedirectError
		var unav *UnavailableError
		switch {
		case errors.As(err, &redir):
			return nil, redir
		case errors.As(err, &unav):
			return nil, unav
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		if resp.Status != http.StatusOK {
			return nil, fmt.Errorf("list clusters of %s: status %d: %s", sc.where, resp.Status, truncate(NewRedactor(cfg.Token).body(resp.Body), 200))
		}
		var items []struct {
			ID               int64  `json:"id"`
			Name             string `json:"name"`
			EnvironmentScope string `json:"environment_scope"`
		}
		if err := json.Unmarshal(resp.Body, &items); err != nil {
			return nil, fmt.Errorf("list clusters of %s: %w", sc.where, err)
		}
		for _, it := range items {
			if id, ok := isLeftover(it.Name, it.EnvironmentScope, cfg.RunID); ok {
				found = append(found, SweptCluster{ID: it.ID, Name: it.Name, EnvironmentScope: it.EnvironmentScope, RunID: id,
					Where: sc.where, apiPath: sc.apiPath + "/" + strconv.FormatInt(it.ID, 10)})
			}
		}
		if resp.Header.Get("X-Next-Page") == "" {
			break
		}
	}
	return found, nil
}
