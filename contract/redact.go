package contract

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// redacted replaces every secret in every output.
const redacted = "[REDACTED]"

// secretHeaders carry credentials; their values never leave the process.
var secretHeaders = []string{"Private-Token", "Authorization", "Job-Token", "Cookie", "Set-Cookie", "Sudo"}

// secretParams are query parameters that carry credentials.
var secretParams = []string{"private_token", "access_token", "job_token"}

// secretKeys are JSON keys whose values are credentials or certificates.
var secretKeys = map[string]bool{"token": true, "ca_cert": true, "password": true, "private_token": true, "access_token": true}

var pemBlock = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----`)

// Redactor removes known secret values, credential headers and parameters, PEM blocks and the
// values of secret JSON keys from text the suite writes anywhere.
type Redactor struct {
	secrets []string // longest first
}

// NewRedactor redacts the given values wherever they appear (empty and very short values are ignored).
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.add(secrets...)
	return r
}

// add registers more secret values.
func (r *Redactor) add(secrets ...string) {
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if len(s) < 4 {
			continue
		}
		r.secrets = append(r.secrets, s)
		// the same value as it appears inside JSON strings
		if b, err := json.Marshal(s); err == nil {
			if q := string(b[1 : len(b)-1]); q != s {
				r.secrets = append(r.secrets, q)
			}
		}
		if e := url.QueryEscape(s); e != s {
			r.secrets = append(r.secrets, e)
		}
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// String redacts free text: known secrets, PEM blocks and credential query parameters.
func (r *Redactor) String(s string) string {
	if r != nil {
		for _, secret := range r.secrets {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	s = pemBlock.ReplaceAllString(s, redacted)
	for _, p := range secretParams {
		s = redactParam(s, p)
	}
	return s
}

func redactParam(s, name string) string {
	for _, sep := range []string{"?", "&"} {
		needle := sep + name + "="
		from := 0
		for {
			i := strings.Index(s[from:], needle)
			if i < 0 {
				break
			}
			start := from + i + len(needle)
			end := start
			for end < len(s) && !strings.ContainsRune("&# '\"\n", rune(s[end])) {
				end++
			}
			s = s[:start] + redacted + s[end:]
			from = start + len(redacted)
		}
	}
	return s
}

// url redacts credential query parameters in a URL.
func (r *Redactor) url(u string) string { return r.String(u) }

// header returns a copy with credential headers replaced.
func (r *Redactor) header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		secret := false
		for _, s := range secretHeaders {
			if strings.EqualFold(k, s) {
				secret = true
			}
		}
		for _, v := range vs {
			if secret {
				v = redacted
			} else {
				v = r.String(v)
			}
			out[k] = append(out[k], v)
		}
	}
	return out
}

// value redacts a decoded JSON value in place of a copy: secret keys lose their values
// (null stays null) and every string is redacted as text.
func (r *Redactor) value(v any) any {
	return redactTree(v, "", func(_ string, x any) any {
		if s, ok := x.(string); ok {
			return r.String(s)
		}
		return x
	})
}

// redactTree copies a decoded JSON value with the values of secret keys replaced (null stays
// null), and every scalar passed through leaf with the key it is under (an array's items are
// under the array's key).
func redactTree(v any, key string, leaf func(key string, v any) any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if secretKeys[k] && x != nil {
				out[k] = redacted
				continue
			}
			out[k] = redactTree(x, k, leaf)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = redactTree(x, key, leaf)
		}
		return out
	default:
		return leaf(key, v)
	}
}

// body redacts a body: JSON is decoded, redacted and re-encoded compactly; other text is redacted as text.
func (r *Redactor) body(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(b, &v); err == nil {
		out, err := json.Marshal(r.value(v))
		if err == nil {
			return string(out)
		}
	}
	return r.String(string(b))
}
