package proxytest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// GlcontractClusters lists the clusters of project 1 whose name starts with glcontract-,
// straight from the GitLab at baseURL: what a run left behind.
func GlcontractClusters(tb testing.TB, baseURL, token string) []string {
	tb.Helper()
	return GlcontractClustersAt(tb, baseURL, token, "/projects/1/clusters")
}

// GlcontractClustersAt is GlcontractClusters for another list: "/groups/12/clusters", "/admin/clusters".
func GlcontractClustersAt(tb testing.TB, baseURL, token, listPath string) []string {
	tb.Helper()
	req, _ := http.NewRequest("GET", baseURL+"/api/v4"+listPath+"?per_page=100", nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("list clusters: %v", err)
	}
	defer resp.Body.Close()
	var items []struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&items); err != nil {
		tb.Fatalf("list clusters: %v", err)
	}
	var out []string
	for _, it := range items {
		if strings.HasPrefix(it.Name, "glcontract-") {
			out = append(out, it.Name)
		}
	}
	return out
}

// CreateCluster adds a cluster to project 1 of the GitLab at baseURL.
func CreateCluster(tb testing.TB, baseURL, token, name, scope string) {
	tb.Helper()
	CreateClusterAt(tb, baseURL, token, "/projects/1/clusters/user", name, scope)
}

// CreateClusterAt is CreateCluster for another create path: "/groups/12/clusters/user", "/admin/clusters/add".
func CreateClusterAt(tb testing.TB, baseURL, token, createPath, name, scope string) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "environment_scope": scope,
		"platform_kubernetes_attributes": map[string]any{"api_url": "https://kubernetes.example.com", "token": "t0ken-value"}})
	req, _ := http.NewRequest("POST", baseURL+"/api/v4"+createPath, bytes.NewReader(body))
	req.Header.Set("PRIVATE-TOKEN", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("create cluster %s: %v", name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		tb.Fatalf("create cluster %s: %d, want 201", name, resp.StatusCode)
	}
}
