package contract

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"time"
)

// NewRunID returns a run id such as 20251127t125500-a1b2c3: lowercase letters, digits and '-',
// so it fits names, environment scopes, Kubernetes namespaces and hostnames.
func NewRunID(now time.Time) string {
	return now.UTC().Format("20060102t150405") + "-" + randomHex(3)
}

// ValidRunID reports whether id is a run id in NewRunID's form (20250102t030405-a1b2c3), which
// names and environment scopes carry, so that Sweep finds what the run leaves behind.
func ValidRunID(id string) bool { return runMarker.MatchString("glcontract-" + id) }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// newClusterToken is the Kubernetes token a write run sends; it is unique so an echo is unambiguous.
func newClusterToken() string { return "glcontract-k8s-token-" + randomHex(16) }

// newCACert returns a fresh self-signed PEM certificate, so GitLab's PEM validation passes and
// the value is unique to the run.
func newCACert(runID string, now time.Time) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "glcontract " + runID},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
