package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// anchor is a trust anchor able to sign issuers.
type anchor struct {
	certs []*x509.Certificate // certs[0] matches key; all are trusted
	key   *ecdsa.PrivateKey
}

// profile is what tells the anchor and issuer certificates apart, like
// step's root-ca and intermediate-ca profiles.
type profile struct {
	cn         string
	validity   time.Duration
	maxPathLen int // 1 for the anchor (room for issuers), 0 for an issuer
}

var (
	anchorProfile = profile{cn: AnchorCN, validity: AnchorValidity, maxPathLen: 1}
	issuerProfile = profile{cn: IssuerCN, validity: IssuerValidity, maxPathLen: 0}
)

func writeAnchor(crtPath, keyPath string, now time.Time) (*anchor, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl, err := template(anchorProfile, &key.PublicKey, now)
	if err != nil {
		return nil, err
	}
	// RFC 5280 lets a self-signed root omit the authority key ID; OpenSSL
	// and step include it, and so do we.
	tmpl.AuthorityKeyId = tmpl.SubjectKeyId
	crt, err := sign(tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	if err := writeCertAndKey(crtPath, keyPath, crt, key); err != nil {
		return nil, err
	}
	return &anchor{certs: []*x509.Certificate{crt}, key: key}, nil
}

func writeIssuer(crtPath, keyPath string, signer *anchor, now time.Time) error {
	if signer == nil {
		return errors.New("no trust anchor to sign with")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl, err := template(issuerProfile, &key.PublicKey, now)
	if err != nil {
		return err
	}
	// The authority key ID is copied from the anchor's subject key ID.
	crt, err := sign(tmpl, signer.certs[0], &key.PublicKey, signer.key)
	if err != nil {
		return err
	}
	return writeCertAndKey(crtPath, keyPath, crt, key)
}

func template(p profile, pub *ecdsa.PublicKey, now time.Time) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	skid, err := keyID(pub)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: p.cn},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(p.validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            p.maxPathLen,
		MaxPathLenZero:        p.maxPathLen == 0,
		SubjectKeyId:          skid,
		// Linkerd refuses an issuer signed any other way.
		SignatureAlgorithm: x509.ECDSAWithSHA256,
	}, nil
}

func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// newSerial returns a random positive 128-bit serial number, as RFC 5280
// and the CA/Browser Forum ask for unpredictable serials.
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, err
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// keyID is RFC 7093's method 1: the leftmost 160 bits of the SHA-256 of the
// subject public key, which for ECDSA is the uncompressed point.
func keyID(pub *ecdsa.PublicKey) ([]byte, error) {
	k, err := pub.ECDH()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(k.Bytes())
	return sum[:20], nil
}

// writeCertAndKey writes the key as SEC 1 "EC PRIVATE KEY", the one EC form
// Linkerd's identity controller reads (it refuses PKCS #8).
func writeCertAndKey(crtPath, keyPath string, crt *x509.Certificate, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: pemECKey, Bytes: der})
	crtPEM := pem.EncodeToMemory(&pem.Block{Type: pemCert, Bytes: crt.Raw})
	return writePair(crtPath, keyPath, crtPEM, keyPEM)
}
