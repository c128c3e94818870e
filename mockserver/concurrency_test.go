package mockserver_test

// TestConcurrentClients hammers one mock over real HTTP with many goroutines that create, edit,
// list, get and delete clusters at once (run it with -race), then checks the invariants a real
// GitLab keeps: unique ids handed out in creation order, environment scopes unique per project
// even when clients race for the same scope, every acknowledged create present unless an
// acknowledged delete removed it, each cluster deleted at most once, and never a 5xx.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glclusters/clustersapi/mockserver"
)

const (
	ccWorkers   = 16
	ccOps       = 50 // per worker
	ccContested = 4  // scopes contest-0..3 in project 1, which workers race for
)

// ccProjects are the projects the workers use; maintainer-token is a Maintainer of both.
var ccProjects = []int{1, 2}

type ccClient struct {
	base string
	http *http.Client
	ctx  context.Context
}

type ccResponse struct {
	status int
	body   []byte
	header http.Header
}

func (c *ccClient) do(method, path string, body any) (ccResponse, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return ccResponse{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+"/api/v4"+path, rd)
	if err != nil {
		return ccResponse{}, err
	}
	req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ccResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return ccResponse{resp.StatusCode, b, resp.Header}, err
}

// ccCreate is one acknowledged create (201), with the monotonic times around the request.
type ccCreate struct {
	id, project, worker int
	sent, received      time.Duration // since the test's start
}

// ccOwned is a cluster as its creating worker last successfully set it; only the owner edits.
type ccOwned struct {
	id, project int
	name, scope string
}

type ccLog struct {
	mu       sync.Mutex
	creates  []ccCreate
	deleted  map[int]int // id -> number of 204s
	problems []string
	statuses map[string]map[int]int // op -> status -> count
	ids      []int                  // every created id, for deletes of other workers' clusters
	vanished map[int]int            // id -> worker that got 404 for its own cluster
}

func (l *ccLog) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.problems) < 50 {
		l.problems = append(l.problems, fmt.Sprintf(format, args...))
	}
}

func (l *ccLog) count(op string, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.statuses[op] == nil {
		l.statuses[op] = map[int]int{}
	}
	l.statuses[op][status]++
}

func ccClusterBody(name, scope string) map[string]any {
	return map[string]any{
		"name":              name,
		"environment_scope": scope,
		"platform_kubernetes_attributes": map[string]any{
			"api_url": "https://kubernetes.example.com", "token": "sample-token",
		},
	}
}

func TestConcurrentClients(t *testing.T) {
	srv, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: ccWorkers * 2}
	defer tr.CloseIdleConnections()
	client := &ccClient{base: ts.URL, http: &http.Client{Transport: tr, Timeout: 15 * time.Second}, ctx: ctx}

	start := time.Now()
	log := &ccLog{deleted: map[int]int{}, statuses: map[string]map[int]int{}, vanished: map[int]int{}}
	owned := make([]map[int]*ccOwned, ccWorkers) // per worker: id -> last state it set
	var exports atomic.Int32

	// A reader takes snapshots with Export while the workers run: each must be consistent.
	stopExports := make(chan struct{})
	exportDone := make(chan struct{})
	go func() {
		defer close(exportDone)
		for {
			select {
			case <-stopExports:
				return
			case <-time.After(2 * time.Millisecond):
			}
			ccCheckSnapshot(t, srv.Export(), "during the run")
			exports.Add(1)
		}
	}()

	var wg sync.WaitGroup
	for w := range ccWorkers {
		owned[w] = map[int]*ccOwned{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ccWorker(client, w, start, log, owned[w])
		}()
	}
	wg.Wait()
	close(stopExports)
	<-exportDone
	if ctx.Err() != nil {
		t.Fatalf("the run did not finish within its time bound: %v", ctx.Err())
	}
	t.Logf("statuses by operation: %v; %d creates acknowledged, %d deletes, %d snapshots, %v",
		log.statuses, len(log.creates), len(log.deleted), exports.Load(), time.Since(start).Round(time.Millisecond))
	for _, p := range log.problems {
		t.Error(p)
	}
	for op, byStatus := range log.statuses {
		for status, n := range byStatus {
			if status >= 500 {
				t.Errorf("%s: %d responses with status %d", op, n, status)
			}
		}
	}
	if log.statuses["create"][http.StatusCreated] == 0 || log.statuses["delete"][http.StatusNoContent] == 0 ||
		log.statuses["edit"][http.StatusOK] == 0 || log.statuses["list"][http.StatusOK] == 0 {
		t.Errorf("the mix did not exercise every operation: %v", log.statuses)
	}

	// Ids: unique, and handed out in creation order: a create acknowledged before another was
	// sent has the smaller id; one worker's creates have increasing ids.
	seen := map[int]bool{}
	for _, c := range log.creates {
		if seen[c.id] {
			t.Errorf("id %d was handed out twice", c.id)
		}
		seen[c.id] = true
		if c.id < 20 {
			t.Errorf("id %d is below the seed's next_cluster_id 20", c.id)
		}
	}
	byReceived := slices.Clone(log.creates)
	sort.Slice(byReceived, func(i, j int) bool { return byReceived[i].received < byReceived[j].received })
	bySent := slices.Clone(log.creates)
	sort.Slice(bySent, func(i, j int) bool { return bySent[i].sent < bySent[j].sent })
	maxBefore, j := 0, 0
	for _, b := range bySent {
		for j < len(byReceived) && byReceived[j].received < b.sent {
			maxBefore = max(maxBefore, byReceived[j].id)
			j++
		}
		if b.id <= maxBefore {
			t.Errorf("create %d (worker %d) was sent after create %d was acknowledged, yet got a smaller id", b.id, b.worker, maxBefore)
		}
	}
	lastByWorker := map[int]int{}
	for _, c := range bySent {
		if c.id <= lastByWorker[c.worker] {
			t.Errorf("worker %d: id %d after id %d", c.worker, c.id, lastByWorker[c.worker])
		}
		lastByWorker[c.worker] = c.id
	}

	// The final state, through Export and through the API.
	final := srv.Export()
	ccCheckSnapshot(t, final, "after the run")
	stored := map[int]mockserver.SeedCluster{}
	for _, c := range final.Clusters {
		stored[c.ID] = c
	}
	for id, n := range log.deleted {
		if n > 1 {
			t.Errorf("cluster %d was deleted %d times (204 each)", id, n)
		}
		if _, ok := stored[id]; ok {
			t.Errorf("cluster %d was deleted (204) but is still stored", id)
		}
	}
	for id, w := range log.vanished {
		if log.deleted[id] == 0 {
			t.Errorf("worker %d got 404 for cluster %d, which no acknowledged delete removed", w, id)
		}
	}
	for w, mine := range owned {
		for id, o := range mine {
			if log.deleted[id] > 0 {
				continue
			}
			c, ok := stored[id]
			switch {
			case !ok:
				t.Errorf("cluster %d (worker %d) was created (201), never deleted, but is gone", id, w)
			case c.ProjectID != o.project || c.Name != o.name || c.EnvironmentScope != o.scope:
				t.Errorf("cluster %d: stored project %d name %q scope %q, want %d %q %q (the owner's last successful write)",
					id, c.ProjectID, c.Name, c.EnvironmentScope, o.project, o.name, o.scope)
			}
		}
	}
	for id := range stored {
		if id >= 20 && !seen[id] {
			t.Errorf("cluster %d is stored but no create was acknowledged for it", id)
		}
	}
	maxID := 0
	for _, c := range log.creates {
		maxID = max(maxID, c.id)
	}
	if final.NextClusterID <= maxID {
		t.Errorf("next_cluster_id %d, want above the highest id handed out %d", final.NextClusterID, maxID)
	}

	// The API lists exactly what Export holds, in id order, over all pages.
	for _, p := range ccProjects {
		var want []int
		for _, c := range final.Clusters {
			if c.ProjectID == p {
				want = append(want, c.ID)
			}
		}
		var got []int
		for page := 1; page <= 100; page++ {
			r, err := client.do(http.MethodGet, fmt.Sprintf("/projects/%d/clusters?per_page=7&page=%d", p, page), nil)
			if err != nil || r.status != http.StatusOK {
				t.Fatalf("list project %d page %d: %v %d %s", p, page, err, r.status, r.body)
			}
			var items []struct{ ID int }
			if err := json.Unmarshal(r.body, &items); err != nil {
				t.Fatalf("list: %v", err)
			}
			for _, it := range items {
				got = append(got, it.ID)
			}
			if total, _ := strconv.Atoi(r.header.Get("X-Total")); total != len(want) {
				t.Errorf("project %d: X-Total %d, want %d", p, total, len(want))
			}
			if r.header.Get("X-Next-Page") == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("project %d: the API lists %v, Export holds %v", p, got, want)
		}
	}
}

// ccWorker runs one client's random mix of operations.
func ccWorker(c *ccClient, w int, start time.Time, log *ccLog, mine map[int]*ccOwned) {
	rng := rand.New(rand.NewPCG(uint64(w), 42))
	for op := range ccOps {
		if c.ctx.Err() != nil {
			return
		}
		var mineIDs []int
		for id := range mine {
			mineIDs = append(mineIDs, id)
		}
		sort.Ints(mineIDs)
		roll := rng.IntN(100)
		switch {
		case roll < 40 || len(mineIDs) == 0: // create
			project := ccProjects[rng.IntN(len(ccProjects))]
			scope := fmt.Sprintf("w%d-op%d/*", w, op)
			contested := project == 1 && rng.IntN(3) == 0
			if contested {
				scope = fmt.Sprintf("contest-%d", rng.IntN(ccContested))
			}
			name := fmt.Sprintf("w%d-c%d", w, op)
			sent := time.Since(start)
			r, err := c.do(http.MethodPost, fmt.Sprintf("/projects/%d/clusters/user", project), ccClusterBody(name, scope))
			received := time.Since(start)
			if err != nil {
				log.problem("worker %d create: %v", w, err)
				continue
			}
			log.count("create", r.status)
			switch {
			case r.status == http.StatusCreated:
				var got struct {
					ID               int
					Name             string
					EnvironmentScope string `json:"environment_scope"`
					Project          struct{ ID int }
				}
				if err := json.Unmarshal(r.body, &got); err != nil || got.ID == 0 || got.Name != name ||
					got.EnvironmentScope != scope || got.Project.ID != project {
					log.problem("worker %d create: bad 201 body %s (%v)", w, r.body, err)
					continue
				}
				mine[got.ID] = &ccOwned{id: got.ID, project: project, name: name, scope: scope}
				log.mu.Lock()
				log.creates = append(log.creates, ccCreate{id: got.ID, project: project, worker: w, sent: sent, received: received})
				log.ids = append(log.ids, got.ID)
				log.mu.Unlock()
			case r.status == http.StatusBadRequest && contested &&
				string(r.body) == `{"message":{"environment_scope":["cannot add duplicated environment scope"]}}`:
			default:
				log.problem("worker %d create %q in project %d: %d %s", w, scope, project, r.status, r.body)
			}

		case roll < 60: // edit one of mine: rename, sometimes move to another scope
			o := mine[mineIDs[rng.IntN(len(mineIDs))]]
			name := fmt.Sprintf("w%d-e%d", w, op)
			body := map[string]any{"name": name}
			scope := o.scope
			contested := false
			if rng.IntN(2) == 0 {
				scope = fmt.Sprintf("w%d-op%d-moved/*", w, op)
				if contested = o.project == 1 && rng.IntN(2) == 0; contested {
					scope = fmt.Sprintf("contest-%d", rng.IntN(ccContested))
				}
				body["environment_scope"] = scope
			}
			r, err := c.do(http.MethodPut, fmt.Sprintf("/projects/%d/clusters/%d", o.project, o.id), body)
			if err != nil {
				log.problem("worker %d edit: %v", w, err)
				continue
			}
			log.count("edit", r.status)
			switch {
			case r.status == http.StatusOK:
				var got struct {
					ID               int
					Name             string
					EnvironmentScope string `json:"environment_scope"`
				}
				if err := json.Unmarshal(r.body, &got); err != nil || got.ID != o.id || got.Name != name || got.EnvironmentScope != scope {
					log.problem("worker %d edit %d: bad 200 body %s (%v)", w, o.id, r.body, err)
					continue
				}
				o.name, o.scope = name, scope
			case r.status == http.StatusBadRequest && contested && scope != o.scope &&
				string(r.body) == `{"message":{"environment_scope":["cannot add duplicated environment scope"]}}`:
			case r.status == http.StatusNotFound: // another worker deleted it; checked at the end
				ccVanished(log, w, o.id)
				delete(mine, o.id)
			default:
				log.problem("worker %d edit %d: %d %s", w, o.id, r.status, r.body)
			}

		case roll < 75: // list a page
			project := ccProjects[rng.IntN(len(ccProjects))]
			r, err := c.do(http.MethodGet, fmt.Sprintf("/projects/%d/clusters?per_page=%d&page=%d", project, 1+rng.IntN(30), 1+rng.IntN(3)), nil)
			if err != nil {
				log.problem("worker %d list: %v", w, err)
				continue
			}
			log.count("list", r.status)
			var items []struct {
				ID               int
				EnvironmentScope string `json:"environment_scope"`
			}
			if r.status != http.StatusOK || json.Unmarshal(r.body, &items) != nil {
				log.problem("worker %d list: %d %s", w, r.status, r.body)
				continue
			}
			scopes := map[string]bool{}
			for i, it := range items {
				if i > 0 && it.ID <= items[i-1].ID {
					log.problem("worker %d list project %d: ids not ascending: %s", w, project, r.body)
				}
				if scopes[it.EnvironmentScope] {
					log.problem("worker %d list project %d: scope %q twice on one page", w, project, it.EnvironmentScope)
				}
				scopes[it.EnvironmentScope] = true
			}

		case roll < 80: // get one of mine
			o := mine[mineIDs[rng.IntN(len(mineIDs))]]
			r, err := c.do(http.MethodGet, fmt.Sprintf("/projects/%d/clusters/%d", o.project, o.id), nil)
			if err != nil {
				log.problem("worker %d get: %v", w, err)
				continue
			}
			log.count("get", r.status)
			switch {
			case r.status == http.StatusOK:
				var got struct{ ID int }
				if json.Unmarshal(r.body, &got) != nil || got.ID != o.id {
					log.problem("worker %d get %d: %s", w, o.id, r.body)
				}
			case r.status == http.StatusNotFound: // another worker deleted it; checked at the end
				ccVanished(log, w, o.id)
				delete(mine, o.id)
			default:
				log.problem("worker %d get %d: %d %s", w, o.id, r.status, r.body)
			}

		default: // delete: mostly one of mine, sometimes any created cluster (races with others)
			var id, project int
			if rng.IntN(4) == 0 {
				log.mu.Lock()
				if n := len(log.ids); n > 0 {
					id = log.ids[rng.IntN(n)]
				}
				for _, cr := range log.creates {
					if cr.id == id {
						project = cr.project
					}
				}
				log.mu.Unlock()
			}
			if id == 0 {
				o := mine[mineIDs[rng.IntN(len(mineIDs))]]
				id, project = o.id, o.project
			}
			r, err := c.do(http.MethodDelete, fmt.Sprintf("/projects/%d/clusters/%d", project, id), nil)
			if err != nil {
				log.problem("worker %d delete: %v", w, err)
				continue
			}
			log.count("delete", r.status)
			switch r.status {
			case http.StatusNoContent:
				if len(r.body) != 0 {
					log.problem("worker %d delete %d: 204 with a body %q", w, id, r.body)
				}
				log.mu.Lock()
				log.deleted[id]++
				log.mu.Unlock()
				delete(mine, id)
			case http.StatusNotFound: // someone else deleted it first; checked at the end
				if string(r.body) != `{"message":"404 Not found"}` {
					log.problem("worker %d delete %d: 404 body %s", w, id, r.body)
				}
				ccVanished(log, w, id)
				delete(mine, id)
			default:
				log.problem("worker %d delete %d: %d %s", w, id, r.status, r.body)
			}
		}
	}
}

func ccVanished(log *ccLog, w, id int) {
	log.mu.Lock()
	defer log.mu.Unlock()
	log.vanished[id] = w
}

// ccCheckSnapshot checks one exported state: unique ids, unique scopes per project, group or
// instance, ids below next_cluster_id.
func ccCheckSnapshot(t *testing.T, s *mockserver.Seed, when string) {
	ids := map[int]bool{}
	scopes := map[string]int{}
	for _, c := range s.Clusters {
		if ids[c.ID] {
			t.Errorf("%s: id %d stored twice", when, c.ID)
		}
		ids[c.ID] = true
		key := fmt.Sprintf("%s/%d/%d\x00%s", c.ClusterType, c.ProjectID, c.GroupID, c.EnvironmentScope)
		if other, dup := scopes[key]; dup {
			t.Errorf("%s: %s %d/%d has scope %q on clusters %d and %d", when, c.ClusterType, c.ProjectID, c.GroupID, c.EnvironmentScope, other, c.ID)
		}
		scopes[key] = c.ID
		if c.ID >= s.NextClusterID {
			t.Errorf("%s: id %d is not below next_cluster_id %d", when, c.ID, s.NextClusterID)
		}
	}
}
