package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

const (
	pemCert  = "CERTIFICATE"
	pemECKey = "EC PRIVATE KEY"
)

// VerifyIssuer checks an issuer is usable by Linkerd: an "EC PRIVATE KEY"
// matching the certificate, an ECDSA P-256 key, an ECDSA-SHA256 signature,
// a CA within its validity at now that chains to one of the anchors.
func VerifyIssuer(anchorPEM, crtPEM, keyPEM []byte, now time.Time) error {
	anchors, err := parseCerts(anchorPEM)
	if err != nil {
		return fmt.Errorf("trust anchor: %w", err)
	}
	_, err = checkIssuer(anchors, crtPEM, keyPEM, now, names{
		anchor: "the trust anchor", crt: "issuer certificate", key: "issuer key",
	})
	return err
}

// names are what messages call the three inputs: file paths where there
// are files, plain words for VerifyIssuer's in-memory PEM.
type names struct{ anchor, crt, key string }

// checkPair checks an issuer pair found on disk against anchors.
func checkPair(p pair, anchors []*x509.Certificate, now time.Time, anchorName string) (*x509.Certificate, error) {
	if err := p.complete(); err != nil {
		return nil, err
	}
	return checkIssuer(anchors, p.crt, p.key, now, names{anchor: anchorName, crt: p.crtPath, key: p.keyPath})
}

// checkIssuer follows Linkerd's own checks. It tests the signature before
// the dates so that an expired issuer from another anchor is reported as
// foreign (never replaced silently), not merely as expired.
func checkIssuer(anchors []*x509.Certificate, crtPEM, keyPEM []byte, now time.Time, n names) (*x509.Certificate, error) {
	certs, err := parseCerts(crtPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.crt, err)
	}
	crt := certs[0]
	// Linkerd reads only the first PEM block of the key, and not PKCS #8.
	if b, _ := pem.Decode(keyPEM); b == nil || b.Type != pemECKey {
		return nil, fmt.Errorf("%s: Linkerd needs an unencrypted %q PEM block first, found %s", n.key, pemECKey, blockType(b))
	}
	if err := checkKey(crt, keyPEM, n.crt, n.key); err != nil {
		return nil, err
	}
	if err := checkCA(crt, n.crt); err != nil {
		return nil, err
	}
	// With a chain in the file, only Verify below can tell who signed it.
	if len(certs) == 1 && !signedByAny(crt, anchors) {
		return nil, fmt.Errorf("%s is not signed by %s", n.crt, n.anchor)
	}
	if err := checkValidity(crt, now, n.crt); err != nil {
		return nil, err
	}
	opts := x509.VerifyOptions{Roots: pool(anchors), Intermediates: pool(certs[1:]), CurrentTime: now}
	if _, err := crt.Verify(opts); err != nil {
		return nil, fmt.Errorf("%s does not chain to %s: %w", n.crt, n.anchor, err)
	}
	return crt, nil
}

// loadAnchor checks an anchor pair found on disk can sign issuers.
func loadAnchor(p pair, now time.Time) (*anchor, error) {
	if err := p.complete(); err != nil {
		return nil, err
	}
	certs, err := parseCerts(p.crt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.crtPath, err)
	}
	crt := certs[0]
	key, err := parseKey(p.key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.keyPath, err)
	}
	if !key.PublicKey.Equal(crt.PublicKey) {
		return nil, fmt.Errorf("%s does not match %s", p.keyPath, p.crtPath)
	}
	if err := checkCA(crt, p.crtPath); err != nil {
		return nil, err
	}
	if bytes.Equal(crt.RawIssuer, crt.RawSubject) {
		if err := crt.CheckSignatureFrom(crt); err != nil {
			return nil, fmt.Errorf("%s: bad self-signature: %w", p.crtPath, err)
		}
	}
	if err := checkValidity(crt, now, p.crtPath); err != nil {
		return nil, err
	}
	return &anchor{certs: certs, key: key}, nil
}

func checkKey(crt *x509.Certificate, keyPEM []byte, crtName, keyName string) error {
	key, err := parseKey(keyPEM)
	if err != nil {
		return fmt.Errorf("%s: %w", keyName, err)
	}
	if !key.PublicKey.Equal(crt.PublicKey) {
		return fmt.Errorf("%s does not match %s", keyName, crtName)
	}
	return nil
}

// checkCA checks what Linkerd checks of issuers and, in `linkerd check`,
// of anchors too: a P-256 ECDSA key, an ECDSA-SHA256 signature, a CA.
func checkCA(crt *x509.Certificate, name string) error {
	pub, ok := crt.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return fmt.Errorf("%s: Linkerd needs an ECDSA P-256 key, found %s", name, keyKind(crt))
	}
	if crt.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		return fmt.Errorf("%s: Linkerd needs an ECDSA-SHA256 signature, found %s", name, crt.SignatureAlgorithm)
	}
	if !crt.BasicConstraintsValid || !crt.IsCA {
		return fmt.Errorf("%s is not a CA certificate", name)
	}
	if crt.KeyUsage != 0 && crt.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("%s may not sign certificates (its key usage lacks certificate signing)", name)
	}
	return nil
}

// validityError is a certificate used outside its dates. For an issuer
// that chains to the current anchor, a new one from the same anchor fixes it.
type validityError struct {
	name                     string
	notBefore, notAfter, now time.Time
}

func (e *validityError) Error() string { return e.name + " " + e.reason() }

func (e *validityError) reason() string {
	if e.now.Before(e.notBefore) {
		return "is not valid before " + e.notBefore.UTC().Format(time.RFC3339)
	}
	return "expired on " + e.notAfter.UTC().Format(time.RFC3339)
}

func checkValidity(crt *x509.Certificate, now time.Time, name string) error {
	if now.Before(crt.NotBefore) || now.After(crt.NotAfter) {
		return &validityError{name: name, notBefore: crt.NotBefore, notAfter: crt.NotAfter, now: now}
	}
	return nil
}

func signedByAny(crt *x509.Certificate, anchors []*x509.Certificate) bool {
	for _, a := range anchors {
		if crt.CheckSignatureFrom(a) == nil {
			return true
		}
	}
	return false
}

// parseCerts returns every certificate in data, in order.
func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != pemCert {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return certs, nil
}

// parseKey reads an ECDSA key in SEC 1 or PKCS #8 form, skipping the "EC
// PARAMETERS" block `openssl ecparam -genkey` writes first. It is lenient
// because an anchor key is only read by us; checkIssuer is strict.
func parseKey(data []byte) (*ecdsa.PrivateKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		switch {
		case b == nil:
			return nil, errors.New("no PEM private key found")
		case b.Type == "EC PARAMETERS":
			continue
		case b.Headers["Proc-Type"] != "" || b.Type == "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the key is encrypted; localcluster needs an unencrypted key (step's --no-password --insecure)")
		case b.Type == pemECKey:
			return x509.ParseECPrivateKey(b.Bytes)
		case b.Type == "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			if ec, ok := k.(*ecdsa.PrivateKey); ok {
				return ec, nil
			}
			return nil, fmt.Errorf("not an ECDSA key (found %T); Linkerd needs ECDSA P-256", k)
		default:
			return nil, fmt.Errorf("not an ECDSA key (found a %q PEM block); Linkerd needs ECDSA P-256", b.Type)
		}
	}
}

func pool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func keyKind(crt *x509.Certificate) string {
	if pub, ok := crt.PublicKey.(*ecdsa.PublicKey); ok {
		return "ECDSA " + pub.Curve.Params().Name
	}
	return crt.PublicKeyAlgorithm.String()
}

func blockType(b *pem.Block) string {
	if b == nil {
		return "no PEM block"
	}
	return fmt.Sprintf("%q", b.Type)
}
