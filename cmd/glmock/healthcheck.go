package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// healthcheck GETs the health URL, for a container's HEALTHCHECK in an image without curl. It
// reads glmock's own environment: GLMOCK_ADDR for the port, and GLMOCK_TLS_AUTO or
// GLMOCK_TLS_CERT for https, verified against DIR/ca.pem or the given certificate (--tls-ca
// names another CA file).
func healthcheck(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) int {
	fs := flag.NewFlagSet("glmock healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := "127.0.0.1:8080"
	if v, ok := lookupEnv("GLMOCK_ADDR"); ok {
		addr = strings.Replace(v, "0.0.0.0:", "127.0.0.1:", 1)
	}
	scheme, ca := "http", ""
	if dir, ok := lookupEnv("GLMOCK_TLS_AUTO"); ok && dir != "" {
		scheme, ca = "https", filepath.Join(dir, caCertFile)
	} else if cert, ok := lookupEnv("GLMOCK_TLS_CERT"); ok && cert != "" {
		scheme, ca = "https", cert
	}
	url := fs.String("url", scheme+"://"+addr+"/-/health", "health URL")
	fs.StringVar(&ca, "tls-ca", ca, "PEM file of the CA (or certificate) to trust for an https URL (default: $GLMOCK_TLS_AUTO/ca.pem, or $GLMOCK_TLS_CERT; the system's CAs when neither is set)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	client := &http.Client{}
	if ca != "" {
		pool, err := caPool(ca)
		if err != nil {
			fmt.Fprintf(stderr, "glmock healthcheck: --tls-ca: %v\n", err)
			return 2
		}
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "glmock healthcheck: %v\n", err)
		return 2
	}
	resp, err := client.Do(req)
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
