package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/glclusters/clustersapi/mockserver/internal/grape"
)

// readBody reads at most MaxBodyBytes and checks that the body parses as its media type.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, string, *apiError) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, "", nil
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes), r.ContentLength)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", errTooLarge
		}
		return nil, "", errBadBody
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, "", nil
	}
	if !utf8.Valid(body) { // Ruby's parsers refuse invalid UTF-8; nothing is stored
		return nil, "", errBadBody
	}
	media, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch media {
	case "application/json":
		if !json.Valid(body) { // one value, nothing after it; scanned without decoding

			return nil, "", errBadBody
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", errBadBody
		}
		for k, vs := range form { // percent-encoded bytes are UTF-8 only once decoded
			if !utf8.ValidString(k) || !utf8.ValidString(strings.Join(vs, "")) {
				return nil, "", errBadBody
			}
		}
	case "multipart/form-data": // re-encoded as a form, which the spec describes
		form, err := grape.MultipartToForm(body, params["boundary"], MaxBodyBytes)
		if err != nil {
			return nil, "", errBadBody
		}
		body, media = []byte(form.Encode()), "application/x-www-form-urlencoded"
		r.Header.Set("Content-Type", media)
	default:
		return nil, "", &apiError{http.StatusUnsupportedMediaType,
			mustJSON(map[string]string{"error": fmt.Sprintf("The provided content-type '%s' is not supported.", r.Header.Get("Content-Type"))})}
	}
	return body, media, nil
}

// readAll reads a body into one buffer of its announced size, when it announces one.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > MaxBodyBytes {
		return io.ReadAll(r)
	}
	buf := make([]byte, 0, size+1) // +1: reading EOF needs no second buffer
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // longer than announced: grow
		}
	}
}
