package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// healthcheck GETs the health URL, for a container's HEALTHCHECK in an image without curl.
func healthcheck(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) int {
	fs := flag.NewFlagSet("glmock healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := "127.0.0.1:8080"
	if v, ok := lookupEnv("GLMOCK_ADDR"); ok {
		addr = strings.Replace(v, "0.0.0.0:", "127.0.0.1:", 1)
	}
	url := fs.String("url", "http://"+addr+"/-/health", "health URL")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "glmock healthcheck: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "glmock healthcheck: %v\n", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "glmock healthcheck: %s\n", resp.Status)
		return 1
	}
	return 0
}
