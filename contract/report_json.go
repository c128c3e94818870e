package contract

import (
	"encoding/json"
	"io"
)

// WriteJSON renders a report as indented JSON, secrets redacted.
func WriteJSON(w io.Writer, r *Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, r.redactor().String(string(b))+"\n")
	return err
}

func (r *Report) redactor() *Redactor {
	if r.redact == nil {
		return NewRedactor()
	}
	return r.redact
}
