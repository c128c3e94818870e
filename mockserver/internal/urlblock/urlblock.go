// Package urlblock decides, as GitLab's UrlBlocker does, whether a cluster's api_url may be used.
package urlblock

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Reason returns why GitLab's UrlBlocker would refuse an api_url, or "" when it is
// allowed. It follows gems/gitlab-http/lib/gitlab/http_v2/url_blocker.rb for literal hosts;
// like GitLab's validators it does not resolve host names.
func Reason(raw string, allowLocal bool) string {
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
	host = strings.TrimSuffix(host, ".")
	if i := strings.IndexByte(host, '%'); i >= 0 { // an IPv6 zone: fe80::1%eth0
		host = host[:i]
	}
	if strings.EqualFold(host, "localhost") || host == "0.0.0.0" || host == "::" {
		if allowLocal {
			return ""
		}
		return "Requests to localhost are not allowed"
	}
	ip := net.ParseIP(host)
	if ip == nil {
		ip = inetAton(host) // 127.1, 2130706433, 0x7f000001: getaddrinfo reads them as addresses
	}
	if ip == nil {
		return "" // a name: GitLab does not resolve it at validation time
	}
	if ip.IsUnspecified() {
		if allowLocal {
			return ""
		}
		return "Requests to localhost are not allowed"
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

// inetAton parses the numeric IPv4 forms the C resolver accepts (inet_aton): one to four parts,
// each decimal, octal (leading 0) or hex (0x), the last part filling the remaining bytes.
func inetAton(host string) net.IP {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return nil
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 0, 32)
		if err != nil || p == "" {
			return nil
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return nil
		}
		n |= v << (24 - 8*uint(i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*uint(5-len(vals))) {
		return nil
	}
	n |= last
	return net.IPv4(byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}
