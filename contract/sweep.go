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
	Deleted          bool   `json:"deleted"`
	Detail           string `json:"detail,omitempty"`
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

// Sweep lists the project's clusters and deletes those a glcontract run created and did not
// delete (a run killed before its cleanup). It never retries a delete.
func Sweep(ctx context.Context, cfg SweepConfig) ([]SweptCluster, error) {
	root, err := apiRoot(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" || cfg.Project == "" {
		return nil, fmt.Errorf("%w: sweep needs --token and --project", ErrUsage)
	}
	project, err := url.PathUnescape(cfg.Project)
	if err != nil {
		return nil, fmt.Errorf("%w: --project %q", ErrUsage, cfg.Project)
	}
	client := cfg.Client
	if client == nil {
		client = &Client{}
	}
	client.defaults()
	base := root + "/api/v4/projects/" + url.PathEscape(project) + "/clusters"
	do := func(method, u string) (*response, error) {
		return client.do(ctx, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, method, u, nil)
			if err == nil {
				req.Header.Set("Private-Token", cfg.Token)
				req.Header.Set("Accept", jsonContentType)
			}
			return req, err
		})
	}
	var found []SweptCluster
	for page := 1; page <= defaultMaxPages; page++ {
		resp, err := do(http.MethodGet, base+"?per_page=100&page="+strconv.Itoa(page))
		var redir *RedirectError
		if errors.As(err, &redir) {
			return nil, redir
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		if resp.Status != http.StatusOK {
			return nil, fmt.Errorf("list clusters: status %d: %s", resp.Status, truncate(NewRedactor(cfg.Token).body(resp.Body), 200))
		}
		var items []struct {
			ID               int64  `json:"id"`
			Name             string `json:"name"`
			EnvironmentScope string `json:"environment_scope"`
		}
		if err := json.Unmarshal(resp.Body, &items); err != nil {
			return nil, fmt.Errorf("list clusters: %w", err)
		}
		for _, it := range items {
			if id, ok := isLeftover(it.Name, it.EnvironmentScope, cfg.RunID); ok {
				found = append(found, SweptCluster{ID: it.ID, Name: it.Name, EnvironmentScope: it.EnvironmentScope, RunID: id})
			}
		}
		if resp.Header.Get("X-Next-Page") == "" {
			break
		}
	}
	if cfg.DryRun {
		return found, nil
	}
	for i := range found {
		resp, err := do(http.MethodDelete, base+"/"+strconv.FormatInt(found[i].ID, 10))
		var redir *RedirectError
		if errors.As(err, &redir) {
			return found, redir // the other deletes would go the same way
		}
		switch {
		case err != nil:
			found[i].Detail = err.Error()
		case resp.Status/100 == 2 || resp.Status == http.StatusNotFound:
			found[i].Deleted = true
		default:
			found[i].Detail = fmt.Sprintf("status %d", resp.Status)
		}
	}
	return found, nil
}
