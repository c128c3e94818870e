package contract

import (
	"context"
	"net/http"
	"time"
)

// SetSleep replaces the client's wait between attempts, so that tests of retries neither wait
// nor lose what the client asked to wait.
func SetSleep(c *Client, sleep func(ctx context.Context, d time.Duration) error) *Client {
	c.sleep = sleep
	return c
}

// RedactBody and RedactHeader are the redactor's body and header rules, for TestRedactor.
func RedactBody(r *Redactor, b []byte) string             { return r.body(b) }
func RedactHeader(r *Redactor, h http.Header) http.Header { return r.header(h) }

// LoadDefaultSpec builds the embedded spec once per process, so that benchmarks can leave it out.
func LoadDefaultSpec() error {
	_, err := loadDefaultSpec()
	return err
}
