package grape

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// GitLab's Rack middleware Gitlab::Middleware::HandleMalformedStrings
// (gitlabhq/gitlabhq lib/gitlab/middleware/handle_malformed_strings.rb and its spec) answers
// 400 text/plain "Bad Request" before routing, rate limiting and authentication when the
// request carries a NUL byte or invalid UTF-8 in:
//   - the path, percent-decoded;
//   - the credentials: the decoded user:password of Basic auth, else the Authorization value;
//   - a parameter value (query, form or JSON body): invalid UTF-8 at any depth (Rails'
//     check_param_encoding and Rack's parser raise, and the middleware rescues that), a NUL
//     only down to depth 2 (param_has_null_byte? gives up below: a[b][c] is checked,
//     a[b][c][d] is not); a query or form with a bad %-escape makes Rack raise too.

// Body is a request body read once, at most a limit's worth, for every stage that needs it.
type Body struct {
	Data     []byte
	Complete bool  // Data is the whole body, within the limit
	Err      error // a read error (the client went away); Data is what came before it
}

// TooLarge says the body is over the limit: the endpoint answers 413.
func (b Body) TooLarge(maxBody int) bool { return b.Err == nil && len(b.Data) > maxBody }

// ReadBody reads at most maxBody+1 bytes of the request's body, so that a larger body is seen
// to be too large and nothing more is read.
func ReadBody(r *http.Request, maxBody int) Body {
	if r.Body == nil || r.Body == http.NoBody {
		return Body{Complete: true}
	}
	data, err := ReadSized(r.Body, r.ContentLength, maxBody)
	return Body{Data: data, Err: err, Complete: err == nil && len(data) <= maxBody}
}

// Malformed says whether the middleware refuses the request, given its body as ReadBody read
// it. A body that is not complete is left for the endpoint (413, or the read error).
func Malformed(r *http.Request, body Body, maxBody int) bool {
	if malformedString(r.URL.Path) || malformedCredentials(first(r.Header["Authorization"])) {
		return true
	}
	if r.URL.RawQuery != "" && malformedForm(r.URL.RawQuery) {
		return true
	}
	if len(body.Data) == 0 || !body.Complete {
		return false
	}
	media, params := first(r.Header["Content-Type"]), map[string]string(nil)
	if media != "application/json" { // the common case needs no parsing
		media, params, _ = mime.ParseMediaType(media)
	}
	switch media {
	case "application/json":
		return malformedJSON(body.Data)
	case "application/x-www-form-urlencoded":
		return malformedForm(string(body.Data))
	case "multipart/form-data":
		form, err := MultipartToForm(body.Data, params["boundary"], int64(maxBody))
		return err == nil && malformedForm(form.Encode())
	}
	return false
}

// ReadSized reads at most maxBody+1 bytes of r, into one buffer of the announced size when
// there is one (so a larger body is seen to be too large, and nothing more is read).
func ReadSized(r io.Reader, size int64, maxBody int) ([]byte, error) {
	if size <= 0 || size > int64(maxBody) {
		return io.ReadAll(io.LimitReader(r, int64(maxBody)+1))
	}
	buf := make([]byte, 0, size+1) // +1: reading EOF needs no second buffer
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil || len(buf) > maxBody {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // longer than announced: grow
		}
	}
}

// malformedString is string_malformed?: a NUL byte, or bytes that are not UTF-8.
func malformedString(s string) bool {
	return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)
}

func malformedCredentials(auth string) bool {
	if auth == "" {
		return false
	}
	if scheme, param, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "basic") && param != "" {
		return malformedString(decode64(param))
	}
	return malformedString(auth)
}

// decode64 is Ruby's Base64.decode64: characters outside the alphabet are skipped, never an error.
func decode64(s string) string {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 { // a lone trailing sextet carries no byte
		clean = clean[:len(clean)-1]
	}
	out, _ := base64.RawStdEncoding.DecodeString(string(clean))
	return string(out)
}

// malformedForm parses a query or form body as Rack does (pairs split on '&', '+' is a space)
// and checks each value at its nesting depth: a[b][c] is depth 2.
func malformedForm(raw string) bool {
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || !utf8.ValidString(key) {
			return true // Rack raises on a bad escape or a key it cannot match
		}
		value, err := url.QueryUnescape(v)
		if err != nil || !utf8.ValidString(value) {
			return true
		}
		if strings.IndexByte(value, 0) >= 0 && strings.Count(key, "[") <= 2 {
			return true
		}
	}
	return false
}

// malformedJSON checks a JSON body's values: invalid UTF-8 anywhere, NUL down to depth 2. A
// body that does not parse is left to the endpoint's own error.
func malformedJSON(body []byte) bool {
	if !utf8.Valid(body) {
		return true
	}
	if bytes.IndexByte(body, '\\') < 0 && bytes.IndexByte(body, 0) < 0 {
		return false // no escape and no raw NUL: no NUL once decoded
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	if m, ok := v.(map[string]any); ok { // params: the top object's values are depth 0
		for _, child := range m {
			if nulWithin(child, 0) {
				return true
			}
		}
		return false
	}
	return nulWithin(v, 0) // Rails wraps anything else as _json
}

// nulWithin is param_has_null_byte?: it looks no deeper than depth 2.
func nulWithin(v any, depth int) bool {
	if depth > 2 {
		return false
	}
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case map[string]any:
		for _, c := range x {
			if nulWithin(c, depth+1) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if nulWithin(c, depth+1) {
				return true
			}
		}
	}
	return false
}

// first is a header's first value, or "".
func first(values []string) string {
	if len(values) > 0 {
		return values[0]
	}
	return ""
}
