package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The files --tls-auto DIR keeps. The keys are written 0600; a restart reuses the CA, so that
// clients keep trusting it, and the server certificate while it names the same hosts and has
// more than tlsRenewBefore left.
const (
	caCertFile     = "ca.pem"
	caKeyFile      = "ca-key.pem"
	serverCertFile = "server.pem"
	serverKeyFile  = "server-key.pem"

	caValidity     = 10 * 365 * 24 * time.Hour
	serverValidity = 397 * 24 * time.Hour // within what browsers and macOS accept for a server certificate
	tlsRenewBefore = 30 * 24 * time.Hour
)

// stringList collects a repeatable flag (--tls-host); its environment variable is comma-separated.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	if v = strings.TrimSpace(v); v != "" { // GLMOCK_TLS_HOST="" names none
		*l = append(*l, v)
	}
	return nil
}

// tlsSetup is what the TLS flags resolved to: the certificate to serve, and the CA file a client
// should trust (DIR/ca.pem with --tls-auto, the given certificate otherwise).
type tlsSetup struct {
	cert   tls.Certificate
	caFile string
	mode   string // "auto" or "given"
}

// tlsError is a TLS configuration mistake: exit 2, with the flag named in the message.
type tlsError struct{ msg string }

func (e *tlsError) Error() string { return e.msg }

func tlsErrorf(format string, args ...any) error { return &tlsError{fmt.Sprintf(format, args...)} }

// setupTLS checks the TLS flags and loads or makes the certificate. It returns nil, nil for
// plain HTTP. externalHost is the host of an --external-url given explicitly ("" otherwise).
func (f *flags) setupTLS(externalHost string) (*tlsSetup, error) {
	switch {
	case f.tlsAuto != "" && (f.tlsCert != "" || f.tlsKey != ""):
		return nil, tlsErrorf("--tls-auto and --tls-cert/--tls-key exclude each other: give --tls-auto DIR to have glmock make and keep a CA and certificate, or --tls-cert FILE --tls-key FILE to serve your own")
	case f.tlsCert != "" && f.tlsKey == "":
		return nil, tlsErrorf("--tls-cert %s needs --tls-key FILE, the certificate's private key", f.tlsCert)
	case f.tlsKey != "" && f.tlsCert == "":
		return nil, tlsErrorf("--tls-key %s needs --tls-cert FILE, the certificate it is the key of", f.tlsKey)
	case len(f.tlsHosts) > 0 && f.tlsAuto == "":
		return nil, tlsErrorf("--tls-host %s: the names go into the certificate --tls-auto DIR makes; give --tls-auto (a certificate given with --tls-cert names its own hosts)", strings.Join(f.tlsHosts, ","))
	case f.tlsCert != "":
		return loadGivenPair(f.tlsCert, f.tlsKey)
	case f.tlsAuto != "":
		hosts := []string{"localhost", "127.0.0.1", "::1"}
		if externalHost != "" {
			hosts = append(hosts, externalHost)
		}
		for _, h := range f.tlsHosts {
			h = strings.TrimSpace(h)
			if h == "" || strings.ContainsAny(h, "/: ") && net.ParseIP(h) == nil {
				return nil, tlsErrorf("--tls-host %q: give a host name or an IP address, without scheme or port", h)
			}
			hosts = append(hosts, h)
		}
		return autoTLS(f.tlsAuto, hosts, time.Now())
	}
	return nil, nil
}

// loadGivenPair reads --tls-cert and --tls-key, naming the flag whose file is missing or wrong.
func loadGivenPair(certFile, keyFile string) (*tlsSetup, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, tlsErrorf("--tls-cert: %v", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, tlsErrorf("--tls-key: %v", err)
	}
	if block, _ := pem.Decode(certPEM); block == nil || block.Type != "CERTIFICATE" {
		return nil, tlsErrorf("--tls-cert %s: no PEM certificate in the file", certFile)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, tlsErrorf("--tls-key %s does not go with --tls-cert %s: %v", keyFile, certFile, err)
	}
	return &tlsSetup{cert: cert, caFile: certFile, mode: "given"}, nil
}

// autoTLS loads or makes DIR's CA, then loads the server certificate, or makes a new one when
// it is missing, names other hosts, was not signed by the CA, or is about to expire.
func autoTLS(dir string, hosts []string, now time.Time) (*tlsSetup, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, tlsErrorf("--tls-auto %s: cannot create the directory: %v", dir, err)
	}
	caCert, caKey, err := loadOrMakeCA(dir, now)
	if err != nil {
		return nil, err
	}
	certPath, keyPath := filepath.Join(dir, serverCertFile), filepath.Join(dir, serverKeyFile)
	if cert, ok := reusableServerCert(certPath, keyPath, caCert, hosts, now); ok {
		return &tlsSetup{cert: cert, caFile: filepath.Join(dir, caCertFile), mode: "auto"}, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"glmock"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(serverValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := encodePair(der, key)
	if err != nil {
		return nil, err
	}
	// The key first: a certificate on disk always has its key next to it.
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return nil, tlsErrorf("--tls-auto %s: cannot write the server key: %v", dir, err)
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		return nil, tlsErrorf("--tls-auto %s: cannot write the server certificate: %v", dir, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &tlsSetup{cert: cert, caFile: filepath.Join(dir, caCertFile), mode: "auto"}, nil
}

// loadOrMakeCA reuses DIR/ca.pem and DIR/ca-key.pem, or makes both when neither exists.
func loadOrMakeCA(dir string, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	certPath, keyPath := filepath.Join(dir, caCertFile), filepath.Join(dir, caKeyFile)
	certPEM, certErr := os.ReadFile(certPath)
	keyPEM, keyErr := os.ReadFile(keyPath)
	switch {
	case certErr == nil && keyErr == nil:
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, nil, tlsErrorf("--tls-auto %s: %s and %s do not make a CA: %v; remove both to make a new CA (clients must then trust the new %s)", dir, caCertFile, caKeyFile, err, caCertFile)
		}
		ca, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return nil, nil, tlsErrorf("--tls-auto %s: %s: %v", dir, caCertFile, err)
		}
		signer, ok := pair.PrivateKey.(crypto.Signer)
		if !ok || !ca.IsCA {
			return nil, nil, tlsErrorf("--tls-auto %s: %s is not a CA certificate; remove %s and %s to make a new CA", dir, caCertFile, caCertFile, caKeyFile)
		}
		if now.After(ca.NotAfter) {
			return nil, nil, tlsErrorf("--tls-auto %s: the CA in %s expired on %s; remove %s and %s to make a new CA (clients must then trust the new %s)", dir, caCertFile, ca.NotAfter.Format(time.DateOnly), caCertFile, caKeyFile, caCertFile)
		}
		return ca, signer, nil
	case errors.Is(certErr, os.ErrNotExist) && errors.Is(keyErr, os.ErrNotExist):
	case certErr != nil && !errors.Is(certErr, os.ErrNotExist):
		return nil, nil, tlsErrorf("--tls-auto %s: %v", dir, certErr)
	case keyErr != nil && !errors.Is(keyErr, os.ErrNotExist):
		return nil, nil, tlsErrorf("--tls-auto %s: %v", dir, keyErr)
	default:
		return nil, nil, tlsErrorf("--tls-auto %s: one of %s and %s is missing: restore it, or remove the other to make a new CA (clients must then trust the new %s)", dir, caCertFile, caKeyFile, caCertFile)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "glmock local CA", Organization: []string{"glmock"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	certPEM, keyPEM, err = encodePair(der, key)
	if err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return nil, nil, tlsErrorf("--tls-auto %s: cannot write the CA key: %v", dir, err)
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		return nil, nil, tlsErrorf("--tls-auto %s: cannot write the CA certificate: %v", dir, err)
	}
	ca, err := x509.ParseCertificate(der)
	return ca, key, err
}

// reusableServerCert loads DIR's server certificate if it can serve on: signed by ca, for
// exactly hosts, not expiring within tlsRenewBefore.
func reusableServerCert(certPath, keyPath string, ca *x509.Certificate, hosts []string, now time.Time) (tls.Certificate, bool) {
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, false
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil || leaf.CheckSignatureFrom(ca) != nil || now.Add(tlsRenewBefore).After(leaf.NotAfter) {
		return tls.Certificate{}, false
	}
	var names []string
	names = append(names, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	want := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			h = ip.String()
		}
		want = append(want, h)
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(slices.Compact(names), slices.Compact(want)) {
		return tls.Certificate{}, false
	}
	return cert, true
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n
}

func encodePair(der []byte, key *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeFileAtomic writes data to a temporary file in path's directory with perm, then renames
// it over path: a reader sees the old file or the new one, and a key is never readable by others.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// hostOf is the host of an --external-url, "" when it has none.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// caPool reads a PEM file of certificates to trust (healthcheck's CA).
func caPool(file string) (*x509.CertPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no PEM certificate in the file", file)
	}
	return pool, nil
}
