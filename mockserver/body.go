package mockserver

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/glclusters/clustersapi/mockserver/internal/grape"
)

// requestBody is a request's body, read and parsed once.
type requestBody struct {
	raw   []byte
	media string
	// object is a JSON body's top-level object, numbers as json.Number; nil for any other body.
	object map[string]any
	// reencoded: a multipart body, re-encoded as the form (media) the spec describes.
	reencoded bool
}

// parseBody checks that the body, as the pipeline read it, parses as its media type. A JSON
// body is decoded here, once, for the validation and the handler.
func parseBody(w http.ResponseWriter, r *http.Request, raw grape.Body) (requestBody, *apiError) {
	if raw.TooLarge(MaxBodyBytes) {
		w.Header().Set("Connection", "close") // as http.MaxBytesReader does: the rest is not read
		return requestBody{}, errTooLarge
	}
	if raw.Err != nil {
		return requestBody{}, errBadBody
	}
	body := raw.Data
	if len(bytes.TrimSpace(body)) == 0 {
		return requestBody{}, nil
	}
	if !utf8.Valid(body) { // Ruby's parsers refuse invalid UTF-8; nothing is stored
		return requestBody{}, errBadBody
	}
	ct := r.Header.Get("Content-Type")
	media, params := "application/json", map[string]string(nil)
	if ct != "application/json" { // the common case needs no parsing
		media, params, _ = mime.ParseMediaType(ct)
	}
	rb := requestBody{raw: body, media: media}
	switch media {
	case "application/json":
		v, ok := grape.DecodeJSON(body) // one value, nothing after it
		if !ok {
			return requestBody{}, errBadBody
		}
		rb.object, _ = v.(map[string]any)
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return requestBody{}, errBadBody
		}
		for k, vs := range form { // percent-encoded bytes are UTF-8 only once decoded
			if !utf8.ValidString(k) || !utf8.ValidString(strings.Join(vs, "")) {
				return requestBody{}, errBadBody
			}
		}
	case "multipart/form-data": // re-encoded as a form, which the spec describes
		form, err := grape.MultipartToForm(body, params["boundary"], MaxBodyBytes)
		if err != nil {
			return requestBody{}, errBadBody
		}
		rb.raw, rb.media, rb.reencoded = []byte(form.Encode()), "application/x-www-form-urlencoded", true
	default:
		return requestBody{}, &apiError{http.StatusUnsupportedMediaType,
			mustJSON(map[string]string{"error": fmt.Sprintf("The provided content-type '%s' is not supported.", ct)})}
	}
	return rb, nil
}
