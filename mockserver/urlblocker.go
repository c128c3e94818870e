package mockserver

import (
	"net"
	"net/url"
	"strings"
)

// blockedURLReason returns why GitLab's UrlBlocker would refuse an api_url, or "" when it is
// allowed. It follows gems/gitlab-http/lib/gitlab/http_v2/url_blocker.rb for literal hosts;
// like GitLab's validators it does not resolve host names.
func blockedURLReason(raw string, allowLocal bool) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "URI is invalid"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "Only allowed schemes are http, https"
	}
	host := u.Hostname()
	if host == "" {
		return "URI is invalid"
	}
	if c := host[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':') {
		return "Hostname or IP address invalid"
	}
	if strings.EqualFold(host, "localhost") || host == "0.0.0.0" || host == "::" {
		if allowLocal {
			return ""
		}
		return "Requests to localhost are not allowed"
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return "" // a name: GitLab does not resolve it at validation time
	}
	switch {
	case ip.Equal(net.IPv4bcast):
		return "Requests to the limited broadcast address are not allowed"
	case allowLocal:
		return ""
	case ip.IsLoopback():
		return "Requests to loopback addresses are not allowed"
	case ip.IsPrivate():
		return "Requests to the local network are not allowed"
	case ip.IsLinkLocalUnicast():
		return "Requests to the link local network are not allowed"
	case sharedAddressSpace.Contains(ip):
		return "Requests to the shared address space are not allowed"
	}
	return ""
}

var _, sharedAddressSpace, _ = net.ParseCIDR("100.64.0.0/10")
