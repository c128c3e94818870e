package mockserver

import (
	"net/http"
	"time"
)

// NewHTTPServer wraps the mock in an http.Server whose timeouts and header limit keep slow or
// stuck clients from tying it up.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second, // above the longest fault delay (1m)
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}
