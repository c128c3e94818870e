package contract

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"time"
)

// Version is set at build time (-ldflags "-X github.com/glclusters/clustersapi/contract.Version=v1.2.3");
// otherwise ModuleVersion reads the module's version from the build info.
var Version string

// ModuleVersion is glcontract's version: Version, the module version it was built as, or "devel".
func ModuleVersion() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// client is env's client (or a new one) trusting --ca-cert in addition to the system's CAs.
func (t targetFlags) client(env Env) (*Client, error) {
	c := env.Client
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
		c = &Client{}
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
	c.HTTP, c.guarded = &http.Client{Transport: base, Timeout: timeout}, nil
	return c, nil
}
