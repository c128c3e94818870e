package mockserver_test

// The soak: many clients over real HTTP (loopback) mix reads and writes for a bounded time
// and a bounded number of operations; then the state is checked against the writes the
// clients saw acknowledged: nothing acknowledged is lost, nothing rejected is stored.
//
// To make "the last acknowledged update" well defined, each client edits and deletes only
// the clusters it created (so their writes are sequential) and reads its own clusters back
// (read-your-writes). Cluster 18 is shared: every client renames it, and its final name must
// be one of the acknowledged renames that no other acknowledged rename strictly followed
// (the final value of a linearizable register). Clients also race for a few contested
// environment scopes, which must stay unique.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glclusters/clustersapi/mockserver"
)

const (
	soakProject   = "/api/v4/projects/1/clusters"
	soakShared    = 18 // cluster 18, seeded as "cluster-1", renamed by every client
	soakContested = 8  // environment scopes contested/0..7
)

// soakCluster is what a client knows of a cluster it created: the values last acknowledged.
type soakCluster struct {
	id      int
	name    string
	scope   string
	enabled bool
	domain  string
}

// soakRename is one acknowledged rename of the shared cluster, with its real-time interval.
type soakRename struct {
	name       string
	start, end time.Time
}

type soakClient struct {
	n       int
	base    string
	http    *http.Client
	rng     *rand.Rand
	seq     int
	owned   map[int]*soakCluster
	ids     []int // keys of owned, for picking one at random
	deleted []int
	// Markers of rejected writes: no cluster may carry them at the end.
	rejectedNames, rejectedScopes []string
	renames                       []soakRename
	ops                           map[string]int // op -> count, for the report
	problems                      []string
}

type soakResponse struct {
	status int
	body   []byte
}

func (c *soakClient) problem(format string, args ...any) {
	if len(c.problems) < 20 {
		c.problems = append(c.problems, fmt.Sprintf("client %d: ", c.n)+fmt.Sprintf(format, args...))
	}
}

func (c *soakClient) do(method, path, token, contentType, body string, header ...string) (soakResponse, bool) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.problem("%s %s: %v", method, path, err)
		return soakResponse{}, false
	}
	req.Header.Set("Private-Token", token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.problem("%s %s: %v", method, path, err)
		return soakResponse{}, false
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.problem("%s %s: reading the body: %v", method, path, err)
		return soakResponse{}, false
	}
	if resp.StatusCode >= 500 {
		c.problem("%s %s %s: %d %s", method, path, body, resp.StatusCode, raw)
		return soakResponse{}, false
	}
	return soakResponse{resp.StatusCode, raw}, true
}

// expect checks the status; on a mismatch it records the exchange and reports false.
func (c *soakClient) expect(op string, got soakResponse, ok bool, want int, req string) bool {
	c.ops[op]++
	if !ok {
		return false
	}
	if got.status != want {
		c.problem("%s: %s answered %d, want %d: %s", op, req, got.status, want, got.body)
		return false
	}
	return true
}

type soakEntity struct {
	ID               int     `json:"id"`
	Name             string  `json:"name"`
	EnvironmentScope string  `json:"environment_scope"`
	Enabled          bool    `json:"enabled"`
	Domain           *string `json:"domain"`
}

func (c *soakClient) decode(op string, raw []byte) (soakEntity, bool) {
	var e soakEntity
	if err := json.Unmarshal(raw, &e); err != nil {
		c.problem("%s: body is not a cluster: %v: %s", op, err, raw)
		return e, false
	}
	return e, true
}

func (c *soakClient) matches(op string, e soakEntity, want *soakCluster) {
	domain := ""
	if e.Domain != nil {
		domain = *e.Domain
	}
	if e.ID != want.id || e.Name != want.name || e.EnvironmentScope != want.scope || e.Enabled != want.enabled || domain != want.domain {
		c.problem("%s: cluster %d reads %+v (domain %q), last acknowledged %+v", op, want.id, e, domain, *want)
	}
}

func soakBody(name, scope, apiURL string, extra string) string {
	return fmt.Sprintf(`{"name":%q,"environment_scope":%q,%s"platform_kubernetes_attributes":{"api_url":%q,"token":"soak-token"}}`,
		name, scope, extra, apiURL)
}

func (c *soakClient) own(cl *soakCluster) {
	c.owned[cl.id] = cl
	c.ids = append(c.ids, cl.id)
}

func (c *soakClient) disown(id int) {
	delete(c.owned, id)
	for i, x := range c.ids {
		if x == id {
			c.ids[i] = c.ids[len(c.ids)-1]
			c.ids = c.ids[:len(c.ids)-1]
			break
		}
	}
	c.deleted = append(c.deleted, id)
}

func (c *soakClient) pick() *soakCluster {
	if len(c.ids) == 0 {
		return nil
	}
	return c.owned[c.ids[c.rng.IntN(len(c.ids))]]
}

// step runs one random operation.
func (c *soakClient) step() {
	c.seq++
	tag := fmt.Sprintf("c%d-%d", c.n, c.seq)
	switch r := c.rng.IntN(100); {
	case r < 15: // list a page
		path := soakProject + "?per_page=100&page=" + strconv.Itoa(1+c.rng.IntN(3))
		got, ok := c.do("GET", path, "developer-token", "", "")
		if c.expect("list", got, ok, 200, "GET "+path) && !json.Valid(got.body) {
			c.problem("list: not JSON: %s", got.body)
		}
	case r < 40: // read back an own cluster, or the shared one
		if own := c.pick(); own != nil && r < 33 {
			path := soakProject + "/" + strconv.Itoa(own.id)
			got, ok := c.do("GET", path, "developer-token", "", "")
			if c.expect("get", got, ok, 200, "GET "+path) {
				if e, ok := c.decode("get", got.body); ok {
					c.matches("get", e, own)
				}
			}
			return
		}
		path := soakProject + "/" + strconv.Itoa(soakShared)
		got, ok := c.do("GET", path, "reporter-token", "", "")
		c.expect("get-forbidden", got, ok, 403, "GET "+path+" as a Reporter")
	case r < 58: // create with a scope of its own
		c.create("create", tag, "soak/"+tag)
	case r < 62: // race the others for a contested scope
		c.create("create-contested", tag, "contested/"+strconv.Itoa(c.rng.IntN(soakContested)))
	case r < 72: // an invalid create: rejected, and not stored
		c.invalidCreate(tag)
	case r < 82: // edit an own cluster
		own := c.pick()
		if own == nil {
			c.create("create", tag, "soak/"+tag)
			return
		}
		name, enabled, domain := "edited-"+tag, c.rng.IntN(2) == 0, tag+".example.com"
		body := fmt.Sprintf(`{"name":%q,"enabled":%t,"domain":%q}`, name, enabled, domain)
		path := soakProject + "/" + strconv.Itoa(own.id)
		got, ok := c.do("PUT", path, "maintainer-token", "application/json", body)
		if c.expect("update", got, ok, 200, "PUT "+path+" "+body) {
			own.name, own.enabled, own.domain = name, enabled, domain
			if e, ok := c.decode("update", got.body); ok {
				c.matches("update", e, own)
			}
		}
	case r < 86: // an invalid edit: rejected, the cluster keeps its values
		own := c.pick()
		if own == nil {
			return
		}
		name := "rejected-" + tag
		bodies := []string{
			fmt.Sprintf(`{"name":%q,"environment_scope":"bad#scope"}`, name),
			fmt.Sprintf(`{"name":%q,"platform_kubernetes_attributes":{"api_url":"http://10.0.0.1"}}`, name),
			fmt.Sprintf(`{"name":%q,"enabled":"maybe"}`, name),
		}
		body := bodies[c.rng.IntN(len(bodies))]
		path := soakProject + "/" + strconv.Itoa(own.id)
		got, ok := c.do("PUT", path, "maintainer-token", "application/json", body)
		if c.expect("update-invalid", got, ok, 400, "PUT "+path+" "+body) {
			c.rejectedNames = append(c.rejectedNames, name)
		}
	case r < 93: // delete an own cluster
		own := c.pick()
		if own == nil {
			return
		}
		path := soakProject + "/" + strconv.Itoa(own.id)
		if c.rng.IntN(4) == 0 { // a precondition that fails: not deleted
			got, ok := c.do("DELETE", path, "maintainer-token", "", "", "If-Unmodified-Since", "Mon, 01 Jan 2018 00:00:00 GMT")
			c.expect("delete-precondition", got, ok, 412, "DELETE "+path+" If-Unmodified-Since 2018")
			return
		}
		got, ok := c.do("DELETE", path, "maintainer-token", "", "")
		if c.expect("delete", got, ok, 204, "DELETE "+path) {
			c.disown(own.id)
			got, ok := c.do("GET", path, "maintainer-token", "", "")
			c.expect("get-deleted", got, ok, 404, "GET "+path+" after its delete")
		}
	default: // rename the shared cluster
		name := "shared-" + tag
		body := fmt.Sprintf(`{"name":%q}`, name)
		path := soakProject + "/" + strconv.Itoa(soakShared)
		start := time.Now()
		got, ok := c.do("PUT", path, "maintainer-token", "application/json", body)
		end := time.Now()
		if c.expect("update-shared", got, ok, 200, "PUT "+path+" "+body) {
			c.renames = append(c.renames, soakRename{name, start, end})
		}
	}
}

func (c *soakClient) create(op, tag, scope string) {
	name := "soak-" + tag
	enabled := c.rng.IntN(2) == 0
	body := soakBody(name, scope, "https://kubernetes.example.com", fmt.Sprintf(`"enabled":%t,`, enabled))
	got, ok := c.do("POST", soakProject+"/user", "maintainer-token", "application/json", body)
	c.ops[op]++
	if !ok {
		return
	}
	switch {
	case got.status == 201:
		e, ok := c.decode(op, got.body)
		if !ok {
			return
		}
		cl := &soakCluster{id: e.ID, name: name, scope: scope, enabled: enabled}
		c.matches(op, e, cl)
		c.own(cl)
	case got.status == 400 && strings.HasPrefix(scope, "contested/") && bytes.Contains(got.body, []byte("cannot add duplicated environment scope")):
		c.rejectedNames = append(c.rejectedNames, name)
	default:
		c.problem("%s: POST %s answered %d: %s", op, body, got.status, got.body)
	}
}

func (c *soakClient) invalidCreate(tag string) {
	name, scope := "rejected-"+tag, "rejected/"+tag
	cases := []struct{ why, ct, body string }{
		{"blank name", "application/json", soakBody("  ", scope, "https://kubernetes.example.com", "")},
		{"duplicate scope", "application/json", soakBody(name, "*", "https://kubernetes.example.com", "")},
		{"loopback api_url", "application/json", soakBody(name, scope, "https://127.0.0.1:6443", "")},
		{"bad namespace", "application/json", strings.Replace(soakBody(name, scope, "https://kubernetes.example.com", ""),
			`"token"`, `"namespace":"Bad_Namespace!","token"`, 1)},
		{"wrong type", "application/json", soakBody(name, scope, "https://kubernetes.example.com", `"enabled":"maybe",`)},
		{"truncated JSON", "application/json", soakBody(name, scope, "https://kubernetes.example.com", "")[:40]},
		{"form without token", "application/x-www-form-urlencoded",
			"name=" + name + "&environment_scope=" + scope + "&platform_kubernetes_attributes[api_url]=https://kubernetes.example.com"},
	}
	tc := cases[c.rng.IntN(len(cases))]
	got, ok := c.do("POST", soakProject+"/user", "maintainer-token", tc.ct, tc.body)
	if c.expect("create-invalid", got, ok, 400, "POST ("+tc.why+") "+tc.body) {
		c.rejectedNames = append(c.rejectedNames, name)
		c.rejectedScopes = append(c.rejectedScopes, scope)
	}
}

type soakResult struct {
	ops     int
	elapsed time.Duration
	counts  map[string]int
}

// runSoak drives clients against a fresh mock until maxOps operations are done or d has
// passed, whichever comes first, then checks the state. It fails tb on any problem.
func runSoak(tb testing.TB, clients, maxOps int, d time.Duration, seed uint64) soakResult {
	tb.Helper()
	srv, err := mockserver.New(mockserver.WithMaxClusters(math.MaxInt32)) // a long soak stores more than the default cap
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var budget atomic.Int64
	budget.Store(int64(maxOps))
	deadline := time.Now().Add(d)
	cs := make([]*soakClient, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range cs {
		c := &soakClient{n: i, base: hs.URL, http: hc, rng: rand.New(rand.NewPCG(seed, uint64(i))),
			owned: map[int]*soakCluster{}, ops: map[string]int{}}
		cs[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			for budget.Add(-1) >= 0 && time.Now().Before(deadline) && len(c.problems) == 0 {
				c.step()
			}
		}()
	}
	wg.Wait()
	res := soakResult{elapsed: time.Since(start), counts: map[string]int{}}
	for _, c := range cs {
		for _, p := range c.problems {
			tb.Error(p)
		}
		for op, n := range c.ops {
			res.counts[op] += n
			res.ops += n
		}
	}
	soakVerify(tb, srv.Export(), cs)
	return res
}

// soakVerify checks the exported state against what the clients saw acknowledged.
func soakVerify(tb testing.TB, state *mockserver.Seed, cs []*soakClient) {
	tb.Helper()
	stored := map[int]mockserver.SeedCluster{}
	byName := map[string]int{}
	scopes := map[string]int{}
	for _, sc := range state.Clusters {
		stored[sc.ID] = sc
		byName[sc.Name] = sc.ID
		if sc.ProjectID == 1 {
			if other, dup := scopes[sc.EnvironmentScope]; dup {
				tb.Errorf("clusters %d and %d of project 1 share the environment scope %q", other, sc.ID, sc.EnvironmentScope)
			}
			scopes[sc.EnvironmentScope] = sc.ID
		}
	}
	want := map[int]bool{soakShared: true}
	var renames []soakRename
	for _, c := range cs {
		for id, cl := range c.owned {
			want[id] = true
			sc, ok := stored[id]
			if !ok {
				tb.Errorf("lost: cluster %d (client %d), acknowledged as %+v, is not stored", id, c.n, *cl)
				continue
			}
			domain := ""
			if sc.Domain != nil {
				domain = *sc.Domain
			}
			if sc.ProjectID != 1 || sc.Name != cl.name || sc.EnvironmentScope != cl.scope || sc.Enabled != cl.enabled || domain != cl.domain {
				tb.Errorf("cluster %d (client %d): stored as project %d %q scope %q enabled %t domain %q; last acknowledged %+v",
					id, c.n, sc.ProjectID, sc.Name, sc.EnvironmentScope, sc.Enabled, domain, *cl)
			}
		}
		for _, id := range c.deleted {
			if _, ok := stored[id]; ok {
				tb.Errorf("cluster %d (client %d) is stored after an acknowledged delete", id, c.n)
			}
		}
		for _, name := range c.rejectedNames {
			if id, ok := byName[name]; ok {
				tb.Errorf("cluster %d is named %q, which only a rejected write sent", id, name)
			}
		}
		for _, scope := range c.rejectedScopes {
			if id, ok := scopes[scope]; ok {
				tb.Errorf("cluster %d has the scope %q, which only a rejected create sent", id, scope)
			}
		}
		renames = append(renames, c.renames...)
	}
	for _, sc := range state.Clusters {
		if sc.ProjectID == 1 && !want[sc.ID] {
			tb.Errorf("cluster %d %q (scope %q) is stored but no create of it was acknowledged", sc.ID, sc.Name, sc.EnvironmentScope)
		}
	}
	// The shared cluster: its name is that of an acknowledged rename no other one followed.
	final := stored[soakShared].Name
	if len(renames) == 0 {
		if final != "cluster-1" {
			tb.Errorf("cluster 18 is named %q without an acknowledged rename", final)
		}
		return
	}
	var w *soakRename
	for i := range renames {
		if renames[i].name == final {
			w = &renames[i]
		}
	}
	if w == nil {
		tb.Errorf("cluster 18 is named %q, not the name of any acknowledged rename", final)
		return
	}
	for _, o := range renames {
		if o.start.After(w.end) {
			tb.Errorf("cluster 18 is named %q, but the rename to %q began after that rename was acknowledged", final, o.name)
			return
		}
	}
}

func soakReport(res soakResult) string {
	return fmt.Sprintf("%d ops in %v (%.0f ops/s): %v", res.ops, res.elapsed.Round(time.Millisecond),
		float64(res.ops)/res.elapsed.Seconds(), res.counts)
}

// TestSoakShort is the soak's short form for `make test`: 8 clients, at most 1 s or 3000
// operations.
func TestSoakShort(t *testing.T) {
	res := runSoak(t, 8, 3000, time.Second, 1)
	t.Log(soakReport(res))
	if res.counts["create"] == 0 || res.counts["delete"] == 0 || res.counts["update"] == 0 {
		t.Errorf("the mix did not run every write: %v", res.counts)
	}
}

// BenchmarkSoak is the soak for `make bench`: 32 clients for b.N operations, 5 s at most.
// ops/s counts every request answered; ns/op is wall time per operation at 32 clients.
func BenchmarkSoak(b *testing.B) {
	res := runSoak(b, 32, b.N, 5*time.Second, uint64(b.N))
	b.ReportMetric(float64(res.ops)/res.elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(res.elapsed.Nanoseconds())/float64(max(res.ops, 1)), "ns/op")
	writes := 0
	for op, n := range res.counts {
		if !strings.HasPrefix(op, "get") && op != "list" {
			writes += n
		}
	}
	b.ReportMetric(float64(writes)/float64(max(res.ops, 1))*100, "%writes")
	if b.N > 1000 {
		b.Log(soakReport(res))
	}
}
