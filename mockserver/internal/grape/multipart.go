package grape

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/url"
)

// MultipartToForm reads a multipart/form-data body's fields (GitLab accepts them like a form),
// each cut at maxBytes.
func MultipartToForm(body []byte, boundary string, maxBytes int64) (url.Values, error) {
	if boundary == "" {
		return nil, errors.New("no boundary")
	}
	form := url.Values{}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return nil, err
		}
		value, err := io.ReadAll(io.LimitReader(part, maxBytes))
		if err != nil {
			return nil, err
		}
		form.Add(part.FormName(), string(value))
	}
}
