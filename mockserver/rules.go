package mockserver

import (
	"crypto/x509"
	"encoding/pem"
	"regexp"
	"strings"

	"github.com/glclusters/clustersapi/mockserver/internal/urlblock"
)

// fieldErrors is GitLab's `model.errors.messages`: attribute -> messages, in the order the
// model adds them. It renders as {"message": {...}} with keys in that order.
type fieldErrors struct {
	keys []string
	msgs map[string][]string
}

func (e *fieldErrors) add(key, msg string) {
	if e.msgs == nil {
		e.msgs = map[string][]string{}
	}
	if _, ok := e.msgs[key]; !ok {
		e.keys = append(e.keys, key)
	}
	e.msgs[key] = append(e.msgs[key], msg)
}

func (e *fieldErrors) empty() bool { return len(e.keys) == 0 }

// prepend returns the errors with msg first, under key.
func (e *fieldErrors) prepend(key, msg string) *fieldErrors {
	out := &fieldErrors{}
	out.add(key, msg)
	for _, k := range e.keys {
		for _, m := range e.msgs[k] {
			out.add(k, m)
		}
	}
	return out
}

// Messages from GitLab's models and validators (see the reference, section 3).
const (
	msgNamePresent          = "has to be present"
	msgTooLong              = "is too long"
	msgNameProvider         = "can not be changed because it's synchronized with provider"
	msgBlank                = "can't be blank"
	msgScopeFormat          = "can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', '*' and spaces"
	msgScopeDuplicated      = "cannot add duplicated environment scope"
	msgNamespaceFormat      = "can contain only lowercase letters, digits, and '-'. Must start with a letter, and cannot end with '-'"
	msgNamespaceTooLong     = "is too long (maximum is 63 characters)"
	msgReserved             = "is reserved"
	msgNamespaceProjectOnly = "only allowed for project cluster"
	msgInvalidURL           = "must be a valid URL"
	msgPEM                  = "must be a valid PEM certificate"
	msgManagedCluster       = "Cannot modify managed Kubernetes cluster"
	msgManagementProject    = "Project does not exist or you don't have permission to perform this action"
	msgDomainChars          = `contains invalid characters (valid characters: [a-z0-9\-])`
	msgDomainLabel          = "label is not in between 1 and 63 characters long"
	msgDomainHyphen         = "label begins or ends with a hyphen"
	msgDomainLength         = "is invalid"
)

var labelRegexp = regexp.MustCompile(`\A[a-zA-Z0-9-]*\z`)

// validScope is GitLab's environment_scope_regex, \A[a-zA-Z0-9_/${}. \-*]+\z, as a loop.
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_/${}. -*", c) >= 0) {
			return false
		}
	}
	return true
}

// validNamespace is Kubernetes' namespace rule, \A[a-z0-9]([-a-z0-9]*[a-z0-9])?\z, as a loop.
func validNamespace(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validateCluster runs the model validations of Clusters::Cluster and
// Clusters::Platforms::Kubernetes on a cluster about to be saved. old is the stored cluster on
// update (nil on create); it decides what "changed" means for the validations that run only
// on changes.
func validateCluster(c, old *cluster, allowLocal bool, scopeTaken func(string) bool) *fieldErrors {
	errs := &fieldErrors{}
	// Clusters::Cluster
	if c.ProviderType == "user" {
		switch {
		case strings.TrimSpace(c.Name) == "":
			errs.add("name", msgNamePresent)
		case len(c.Name) > 2048 && (old == nil || old.Name != c.Name):
			errs.add("name", msgTooLong)
		}
	} else if old != nil && old.Name != c.Name {
		errs.add("name", msgNameProvider)
	}
	if c.Domain != nil && strings.TrimSpace(*c.Domain) != "" {
		for _, m := range hostnameErrors(*c.Domain) {
			errs.add("domain", m)
		}
	}
	switch {
	case c.EnvironmentScope == "":
		errs.add("environment_scope", msgBlank)
	case !validScope(c.EnvironmentScope):
		errs.add("environment_scope", msgScopeFormat)
	}
	if c.EnvironmentScope != "" && scopeTaken(c.EnvironmentScope) {
		errs.add("environment_scope", msgScopeDuplicated)
	}
	// Clusters::Platforms::Kubernetes, reported under platform_kubernetes.<attr>
	if old != nil && c.ProviderType != "user" &&
		(c.APIURL != old.APIURL || c.Token != old.Token || ptrString(c.CACert) != ptrString(old.CACert)) {
		errs.add("platform_kubernetes.base", msgManagedCluster)
	}
	if c.Namespace != nil {
		ns := *c.Namespace
		switch {
		case len(ns) > 63:
			errs.add("platform_kubernetes.namespace", msgNamespaceTooLong)
		case !validNamespace(ns):
			errs.add("platform_kubernetes.namespace", msgNamespaceFormat)
		}
		if ns == "gitlab-managed-apps" {
			errs.add("platform_kubernetes.namespace", msgReserved)
		}
		if (c.Type == groupType || c.Type == instanceType) && c.Managed { // no_namespace unless allow_user_defined_namespace?
			errs.add("platform_kubernetes.namespace", msgNamespaceProjectOnly)
		}
	}
	if strings.TrimSpace(c.APIURL) == "" {
		errs.add("platform_kubernetes.api_url", msgInvalidURL)
		errs.add("platform_kubernetes.api_url", msgBlank)
	} else if old == nil || old.APIURL != c.APIURL {
		if reason := urlblock.Reason(c.APIURL, allowLocal); reason != "" {
			errs.add("platform_kubernetes.api_url", "is blocked: "+reason)
		}
	}
	if c.Token == "" {
		errs.add("platform_kubernetes.token", msgBlank)
	}
	if c.CACert != nil && *c.CACert != "" && (old == nil || ptrString(old.CACert) != *c.CACert) && !isPEMCertificate(*c.CACert) {
		errs.add("platform_kubernetes.ca_cert", msgPEM)
	}
	return errs
}

// hostnameErrors follows the valid_hostname gem as GitLab configures it for domain
// (allow_numeric_hostname: true).
func hostnameErrors(host string) []string {
	var out []string
	if len(host) > 255 {
		out = append(out, msgDomainLength)
	}
	var length, hyphen, chars bool
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		length = length || len(label) < 1 || len(label) > 63
		hyphen = hyphen || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-")
		chars = chars || !labelRegexp.MatchString(label)
	}
	if length {
		out = append(out, msgDomainLabel)
	}
	if hyphen {
		out = append(out, msgDomainHyphen)
	}
	if chars {
		out = append(out, msgDomainChars)
	}
	return out
}

// isPEMCertificate is GitLab's CertificateValidator: the text must parse as an X.509 certificate.
func isPEMCertificate(s string) bool {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil || block.Type != "CERTIFICATE" {
		return false
	}
	_, err := x509.ParseCertificate(block.Bytes)
	return err == nil
}

func ptrString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
