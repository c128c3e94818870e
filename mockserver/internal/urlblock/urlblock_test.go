package urlblock_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/glclusters/clustersapi/mockserver/internal/urlblock"
)

// TestReason: each of UrlBlocker's answers for a literal host, with and without "allow
// requests to the local network".
func TestReason(t *testing.T) {
	cases := []struct {
		url               string
		blocked, whenOpen string
	}{
		{"https://k8s.example.com", "", ""},
		{"https://203.0.113.7:6443", "", ""},
		{"ht!tp://x", "URI is invalid", "URI is invalid"},
		{"ftp://k8s.example.com", "Only allowed schemes are http, https", "Only allowed schemes are http, https"},
		{"https://", "URI is invalid", "URI is invalid"},
		{"https://-bad.example.com", "Hostname or IP address invalid", "Hostname or IP address invalid"},
		{"https://localhost:6443", "Requests to localhost are not allowed", ""},
		{"https://LOCALHOST.", "Requests to localhost are not allowed", ""},
		{"https://0.0.0.0", "Requests to localhost are not allowed", ""},
		{"https://[::]", "Requests to localhost are not allowed", ""},
		{"https://255.255.255.255", "Requests to the limited broadcast address are not allowed", "Requests to the limited broadcast address are not allowed"},
		{"https://127.0.0.1", "Requests to loopback addresses are not allowed", ""},
		{"https://127.1", "Requests to loopback addresses are not allowed", ""},
		{"https://2130706433", "Requests to loopback addresses are not allowed", ""},
		{"https://0x7f000001", "Requests to loopback addresses are not allowed", ""},
		{"https://[::1]", "Requests to loopback addresses are not allowed", ""},
		{"https://10.1.2.3", "Requests to the local network are not allowed", ""},
		{"https://192.168.0.1", "Requests to the local network are not allowed", ""},
		{"https://169.254.169.254", "Requests to the link local network are not allowed", ""},
		{"https://[fe80::1%25eth0]", "Requests to the link local network are not allowed", ""},
		{"https://100.64.0.1", "Requests to the shared address space are not allowed", ""},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.blocked, urlblock.Reason(tc.url, false), tc.url)
		assert.Equal(t, tc.whenOpen, urlblock.Reason(tc.url, true), tc.url+" with local URLs allowed")
	}
}
