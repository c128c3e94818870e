package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/glclusters/clustersapi/contract"
	"github.com/glclusters/clustersapi/internal/buildinfo"
)

// version is set at build time (-ldflags "-X main.version=v1.2.3"); otherwise moduleVersion
// reads the module's version from the build info.
var version string

// moduleVersion is glcontract's version: version, the module version it was built as, or "devel".
func moduleVersion() string { return buildinfo.Version(version) }

// client is env's client (or a new one) trusting --ca-cert in addition to the system's CAs.
// env's client must not have sent a request yet: a copy keeps the transport it first used.
func (t targetFlags) client(env cli) (*contract.Client, error) {
	c := env.client
	if *t.caCert == "" {
		return c, nil
	}
	pem, err := os.ReadFile(*t.caCert)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-cert %s: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)", *t.caCert)
	}
	if c == nil {
		c = &contract.Client{}
	} else {
		cp := *c
		c = &cp
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	timeout := 30 * time.Second
	if c.HTTP != nil {
		timeout = c.HTTP.Timeout
	}
	c.HTTP = &http.Client{Transport: base, Timeout: timeout}
	return c, nil
}
