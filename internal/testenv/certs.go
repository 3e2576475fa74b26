package testenv

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Certificates live a week: long enough for any test run, short enough that
// a leaked one is worthless.
const certLifetime = 7 * 24 * time.Hour

// keyPair is a certificate with its private key, in PEM as the API server and
// kubeconfig files want them.
type keyPair struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

// serverPKI is what one API server needs: its own CA, which signs both the
// serving certificate and the admin client certificate, and a key to sign
// ServiceAccount tokens.
type serverPKI struct {
	ca      *keyPair
	serving *keyPair
	admin   *keyPair
	saKey   []byte // PEM, private: signs ServiceAccount tokens
	saPub   []byte // PEM, public: verifies them
}

func newServerPKI(name string) (*serverPKI, error) {
	ca, err := newCA("localcluster-testenv-" + name)
	if err != nil {
		return nil, err
	}
	serving, err := ca.issue(servingTemplate())
	if err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}
	admin, err := ca.issue(adminTemplate())
	if err != nil {
		return nil, fmt.Errorf("admin certificate: %w", err)
	}
	sa, err := newKey()
	if err != nil {
		return nil, fmt.Errorf("service account key: %w", err)
	}
	saPEM, err := keyToPEM(sa)
	if err != nil {
		return nil, fmt.Errorf("service account key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(sa.Public())
	if err != nil {
		return nil, fmt.Errorf("service account public key: %w", err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	return &serverPKI{ca: ca, serving: serving, admin: admin, saKey: saPEM, saPub: pub}, nil
}

func newCA(commonName string) (*keyPair, error) {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	key, err := newKey()
	if err != nil {
		return nil, fmt.Errorf("ca key: %w", err)
	}
	kp, err := sign(tmpl, tmpl, key, key)
	if err != nil {
		return nil, fmt.Errorf("ca certificate: %w", err)
	}
	return kp, nil
}

// issue signs a fresh key's certificate built from tmpl with ca.
func (ca *keyPair) issue(tmpl *x509.Certificate) (*keyPair, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	return sign(tmpl, ca.cert, key, ca.key)
}

func servingTemplate() *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// 10.0.0.1 is the "kubernetes" Service's address in serviceCIDR.
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(10, 0, 0, 1)},
		DNSNames: []string{
			"localhost", "kubernetes", "kubernetes.default",
			"kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
		},
	}
}

func adminTemplate() *x509.Certificate {
	return &x509.Certificate{
		// system:masters passes every authorization check, RBAC or not.
		Subject:     pkix.Name{CommonName: "localcluster-admin", Organization: []string{"system:masters"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

func sign(tmpl, parent *x509.Certificate, key, parentKey crypto.Signer) (*keyPair, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	now := time.Now()
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-time.Hour) // tolerate clock skew
	tmpl.NotAfter = now.Add(certLifetime)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	keyPEM, err := keyToPEM(key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return &keyPair{cert: cert, key: key, certPEM: certPEM, keyPEM: keyPEM}, nil
}

// newKey makes an ECDSA P-256 key: far quicker to generate than RSA, and
// accepted everywhere the API server takes a key (TLS, client CA, ES256
// service account tokens).
func newKey() (crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return key, nil
}

func keyToPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
