package mockserver

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/url"
)

// multipartToForm reads a multipart/form-data body's fields (GitLab accepts them like a form).
func multipartToForm(body []byte, boundary string) (url.Values, error) {
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
		value, err := io.ReadAll(io.LimitReader(part, MaxBodyBytes))
		if err != nil {
			return nil, err
		}
		form.Add(part.FormName(), string(value))
	}
}
