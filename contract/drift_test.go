package contract_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
)

var clusterPath = regexp.MustCompile(`^/projects/[^/]+/clusters/[0-9]+$`)

func isList(in exchangeInfo) bool {
	return in.Method == "GET" && strings.HasSuffix(in.Path, "/clusters")
}
func isOne(in exchangeInfo) bool { return in.Method == "GET" && clusterPath.MatchString(in.Path) }
func isCreate(in exchangeInfo, out *upstream) bool {
	return in.Method == "POST" && out.Status == http.StatusCreated
}

// eachCluster applies fn to every cluster of a successful response (one or a list).
func eachCluster(out *upstream, fn func(map[string]any)) { out.EachCluster(fn) }

// sentSecret reads a value of platform_kubernetes_attributes from a request body.
func sentSecret(in exchangeInfo, key string) string { return in.ClusterAttribute(key) }

// TestDriftIsFound: a server that drifts from the spec in one way per case makes the suite exit
// 1 with a finding that names the fault.
func TestDriftIsFound(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(in exchangeInfo, out *upstream)
		want   string // a substring of a finding
		rule   contract.Rule
	}{
		{"missing field", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { delete(c, "cluster_type") })
		}, "required field cluster_type is missing", contract.RuleSchema},
		{"renamed field", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { c["env_scope"] = c["environment_scope"]; delete(c, "environment_scope") })
		}, "required field environment_scope is missing (renamed to env_scope?)", contract.RuleSchema},
		{"retyped field", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { c["id"] = strconv.Itoa(int(c["id"].(float64))) })
		}, "$.id has type string, the spec wants integer", contract.RuleSchema},
		{"null in a non-nullable field", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { c["managed"] = nil })
		}, "$.managed is null, but the spec does not allow null", contract.RuleSchema},
		{"nested null", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { c["platform_kubernetes"].(map[string]any)["api_url"] = nil })
		}, "$.platform_kubernetes.api_url is null", contract.RuleSchema},
		{"bad enum", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { c["platform_kubernetes"].(map[string]any)["authorization_type"] = "superuser" })
		}, "$.platform_kubernetes.authorization_type is not in the enum", contract.RuleSchema},
		{"bad date", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { c["created_at"] = "2019-01-02 20:18:12" })
		}, "$.created_at is not a valid date-time", contract.RuleSchema},
		{"undocumented status", func(in exchangeInfo, out *upstream) {
			if out.Status == http.StatusNotFound {
				out.Status = http.StatusTeapot
			}
		}, "undocumented status 418", contract.RuleStatus},
		{"200 where 201 is documented", func(in exchangeInfo, out *upstream) {
			if isCreate(in, out) {
				out.Status = http.StatusOK
			}
		}, "undocumented status 200", contract.RuleStatus},
		{"wrong error shape", func(in exchangeInfo, out *upstream) {
			if out.Status == http.StatusNotFound {
				out.SetJSON(map[string]any{"error": "not found"})
			}
		}, "required field message is missing", contract.RuleSchema},
		{"wrong 401 shape", func(in exchangeInfo, out *upstream) {
			if out.Status == http.StatusUnauthorized {
				out.SetJSON(map[string]any{"error": "unauthorized"})
			}
		}, "401 Unauthorized", contract.RuleValue},
		{"missing X-Total", func(in exchangeInfo, out *upstream) {
			if isList(in) {
				out.Header.Del("X-Total")
			}
		}, "documented header X-Total is missing", contract.RuleHeader},
		{"missing Link", func(in exchangeInfo, out *upstream) {
			if isList(in) {
				out.Header.Del("Link")
			}
		}, "documented header Link is missing", contract.RuleHeader},
		{"Content-Type text/html", func(in exchangeInfo, out *upstream) {
			if isOne(in) {
				out.Header.Set("Content-Type", "text/html")
			}
		}, `Content-Type is not exactly application/json (expected application/json, got "text/html")`, contract.RuleContentType},
		{"Content-Type with charset", func(in exchangeInfo, out *upstream) {
			out.Header.Set("Content-Type", "application/json; charset=utf-8")
		}, "python-gitlab fails on a charset", contract.RuleContentType},
		{"echoed cluster token", func(in exchangeInfo, out *upstream) {
			if isCreate(in, out) {
				tok := sentSecret(in, "token")
				eachCluster(out, func(c map[string]any) { c["platform_kubernetes"].(map[string]any)["token"] = tok })
			}
		}, "the cluster token sent by this run came back at $.platform_kubernetes.token", contract.RuleSecret},
		{"echoed CA certificate outside ca_cert", func(in exchangeInfo, out *upstream) {
			if isCreate(in, out) {
				ca := sentSecret(in, "ca_cert")
				eachCluster(out, func(c map[string]any) { c["name"] = "cluster " + ca })
			}
		}, "the CA certificate sent by this run came back at $.name", contract.RuleSecret},
		{"changed default", func(in exchangeInfo, out *upstream) {
			eachCluster(out, func(c map[string]any) { c["namespace_per_environment"] = false })
		}, "$.namespace_per_environment is false, expected true", contract.RuleValue},
		{"changed ordering", reverseList, "the list is not ordered by id ascending", contract.RuleOrder},
		{"wrong X-Total", func(in exchangeInfo, out *upstream) {
			if isList(in) && out.Status == 200 {
				out.Header.Set("X-Total", "7")
			}
		}, "X-Total is 7 but the walk saw", contract.RulePagination},
		{"next link on the last page", func(in exchangeInfo, out *upstream) {
			if isList(in) && out.Header.Get("X-Next-Page") == "" {
				out.Header.Set("Link", out.Header.Get("Link")+`, <http://gitlab.example.com/api/v4/projects/1/clusters?page=9>; rel="next"`)
			}
		}, `Link has rel="next" on page`, contract.RulePagination},
		{"relative Link", func(in exchangeInfo, out *upstream) {
			if isList(in) {
				out.Header.Set("Link", regexp.MustCompile(`<https?://[^/]+`).ReplaceAllString(out.Header.Get("Link"), "<"))
			}
		}, "is not an absolute URL", contract.RulePagination},
		{"skipped page", func(in exchangeInfo, out *upstream) {
			if isList(in) && out.Header.Get("X-Next-Page") == "2" {
				out.Header.Set("X-Next-Page", "3")
			}
		}, "X-Next-Page is not the following page", contract.RulePagination},
		{"validation accepted", func(in exchangeInfo, out *upstream) {
			if in.Method == "POST" && strings.Contains(string(in.Body), "Invalid_NS!") {
				out.Status = http.StatusCreated
			}
		}, "status 201, expected 400", contract.RuleValue},
		{"changed validation message", func(in exchangeInfo, out *upstream) {
			if in.Method == "POST" && out.Status == 400 && strings.Contains(string(out.Body), "is missing") {
				out.SetJSON(map[string]any{"error": "name is required"})
			}
		}, `$.error is "name is required", expected a string containing "name is missing"`, contract.RuleValue},
		{"edit ignored", func(in exchangeInfo, out *upstream) {
			if in.Method == "PUT" {
				eachCluster(out, func(c map[string]any) { c["domain"] = nil })
			}
		}, "$.domain is null, expected", contract.RuleValue},
		{"list item gains project", func(in exchangeInfo, out *upstream) {
			if isList(in) {
				eachCluster(out, func(c map[string]any) { c["project"] = map[string]any{"id": 1} })
			}
		}, "no item of the list matches", contract.RuleValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startMock(t)
			proxy := drifting(t, srv.URL, tc.mutate)
			rep := runSuite(t, proxy.URL)
			require.Equal(t, 1, rep.ExitCode(), "exit code\n%s", findingTexts(rep))
			var match *contract.Finding
			for i, f := range rep.Errors() {
				if strings.Contains(f.String(), tc.want) {
					match = &rep.Errors()[i]
					break
				}
			}
			require.NotNil(t, match, "no finding names %q:\n%s", tc.want, findingTexts(rep))
			require.Equal(t, tc.rule, match.Rule, match.String())
			if testing.Verbose() {
				t.Log(findingTexts(rep))
			}
			require.NotEmpty(t, match.Step)
			require.NotEmpty(t, match.Request)
			require.Contains(t, match.Curl, "PRIVATE-TOKEN: ")
			require.NotContains(t, match.Curl, rootToken)
			require.Empty(t, glcontractClusters(t, srv.URL), "the run left clusters behind")
		})
	}
}

// TestFaithfulProxy guards the drift tests: the proxy without a mutation changes nothing.
func TestFaithfulProxy(t *testing.T) {
	srv := startMock(t)
	rep := runSuite(t, drifting(t, srv.URL, nil).URL)
	require.Equal(t, 0, rep.ExitCode(), findingTexts(rep))
	require.Empty(t, rep.Findings)
}

// TestUndeclaredFieldIsANoteUnlessStrict: a field the spec does not declare is a note, and a
// finding with --strict.
func TestUndeclaredFieldIsANoteUnlessStrict(t *testing.T) {
	srv := startMock(t)
	mutate := func(in exchangeInfo, out *upstream) {
		eachCluster(out, func(c map[string]any) { c["agent_id"] = 7 })
		if isOne(in) {
			out.Header.Set("X-Gitlab-Agent", "1")
		}
	}
	proxy := drifting(t, srv.URL, mutate)
	rep := runSuite(t, proxy.URL)
	require.Equal(t, 0, rep.ExitCode(), findingTexts(rep))
	require.Contains(t, findingTexts(rep), "note [undeclared-field]")
	require.Contains(t, findingTexts(rep), "field $.agent_id is not declared in the spec")
	require.Contains(t, findingTexts(rep), "header X-Gitlab-Agent is not declared in the spec")

	rep = runSuite(t, proxy.URL, func(c *contract.Config) { c.Strict = true })
	require.Equal(t, 1, rep.ExitCode())
	require.Contains(t, findingTexts(rep), "error [undeclared-field]")
	require.Contains(t, findingTexts(rep), "error [undeclared-header]")
}

// reverseList serves the list in descending id order, page by page.
func reverseList(in exchangeInfo, out *upstream) {
	if !isList(in) || out.Status != 200 {
		return
	}
	q, _ := url.ParseQuery(in.Query)
	req, _ := http.NewRequest("GET", in.Upstream+"/api/v4"+in.Path+"?per_page=100", nil)
	req.Header.Set("PRIVATE-TOKEN", rootToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var all []any
	json.NewDecoder(resp.Body).Decode(&all)
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	if page < 1 {
		page = 1
	}
	if per < 1 {
		per = 20
	}
	from, to := (page-1)*per, page*per
	if from > len(all) {
		from = len(all)
	}
	if to > len(all) {
		to = len(all)
	}
	out.SetJSON(all[from:to])
}
