package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"path/filepath"
	"testing"
	"time"
)

func TestGeneratedCertificates(t *testing.T) {
	opts := newLab(t, "smiley")
	mustEnsure(t, opts)
	anchorCrt := readCert(t, filepath.Join(opts.TrustDir, "root.crt"))
	issuerDir := opts.Clusters[0].Dir

	tests := []struct {
		name       string
		crt, key   string
		cn         string
		maxPathLen int
		validity   time.Duration
	}{
		{"anchor", filepath.Join(opts.TrustDir, "root.crt"), filepath.Join(opts.TrustDir, "root.key"),
			"root.linkerd.cluster.local", 1, 87600 * time.Hour},
		{"issuer", filepath.Join(issuerDir, "issuer.crt"), filepath.Join(issuerDir, "issuer.key"),
			"identity.linkerd.cluster.local", 0, 8760 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crt := readCert(t, tt.crt)
			if crt.Subject.CommonName != tt.cn || crt.Subject.String() != "CN="+tt.cn {
				t.Errorf("subject = %q, want only CN=%s", crt.Subject, tt.cn)
			}
			if crt.Issuer.String() != "CN=root.linkerd.cluster.local" {
				t.Errorf("issuer = %q", crt.Issuer)
			}
			if !crt.BasicConstraintsValid || !crt.IsCA {
				t.Errorf("not a CA: basic constraints valid=%v isCA=%v", crt.BasicConstraintsValid, crt.IsCA)
			}
			if crt.MaxPathLen != tt.maxPathLen || (tt.maxPathLen == 0 && !crt.MaxPathLenZero) {
				t.Errorf("pathlen = %d (zero=%v), want %d", crt.MaxPathLen, crt.MaxPathLenZero, tt.maxPathLen)
			}
			pub, ok := crt.PublicKey.(*ecdsa.PublicKey)
			if !ok || pub.Curve != elliptic.P256() {
				t.Errorf("public key = %T, want ECDSA P-256", crt.PublicKey)
			}
			if crt.SignatureAlgorithm != x509.ECDSAWithSHA256 {
				t.Errorf("signature algorithm = %v", crt.SignatureAlgorithm)
			}
			if got := crt.NotAfter.Sub(t0); got != tt.validity {
				t.Errorf("valid for %v after now, want %v", got, tt.validity)
			}
			if got := t0.Sub(crt.NotBefore); got <= 0 || got > 10*time.Minute {
				t.Errorf("NotBefore is %v before now, want a little", got)
			}
			wantUsage := x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
			if crt.KeyUsage != wantUsage {
				t.Errorf("key usage = %b, want %b", crt.KeyUsage, wantUsage)
			}
			if len(crt.ExtKeyUsage) != 0 || len(crt.DNSNames) != 0 {
				t.Errorf("unexpected EKU %v or SANs %v", crt.ExtKeyUsage, crt.DNSNames)
			}
			if !bytes.Equal(crt.SubjectKeyId, spkiKeyID(t, crt)) {
				t.Errorf("subject key ID %x is not derived from the public key", crt.SubjectKeyId)
			}
			if !bytes.Equal(crt.AuthorityKeyId, anchorCrt.SubjectKeyId) {
				t.Errorf("authority key ID %x, want anchor's %x", crt.AuthorityKeyId, anchorCrt.SubjectKeyId)
			}
			if crt.SerialNumber.Sign() <= 0 || crt.SerialNumber.BitLen() > 128 || crt.SerialNumber.BitLen() < 64 {
				t.Errorf("serial %x is not a random positive 128-bit number", crt.SerialNumber)
			}
			if err := crt.CheckSignatureFrom(anchorCrt); err != nil {
				t.Errorf("not signed by the anchor: %v", err)
			}
			assertECKeyFor(t, tt.key, crt)
		})
	}
}

// spkiKeyID recomputes RFC 7093 method 1 from the raw certificate.
func spkiKeyID(t *testing.T, crt *x509.Certificate) []byte {
	t.Helper()
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(crt.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20]
}

func assertECKeyFor(t *testing.T, path string, crt *x509.Certificate) {
	t.Helper()
	b, rest := pem.Decode(readFile(t, path))
	if b == nil || b.Type != "EC PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("%s: want exactly one EC PRIVATE KEY block", path)
	}
	key, err := x509.ParseECPrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !key.PublicKey.Equal(crt.PublicKey) {
		t.Errorf("%s does not match its certificate", path)
	}
}

func TestEachIssuerHasItsOwnKeyAndSerial(t *testing.T) {
	opts := newLab(t, "a", "b", "c")
	mustEnsure(t, opts)
	keys, serials := map[string]bool{}, map[string]bool{}
	for _, c := range opts.Clusters {
		crt := readCert(t, filepath.Join(c.Dir, "issuer.crt"))
		keys[string(crt.RawSubjectPublicKeyInfo)] = true
		serials[crt.SerialNumber.String()] = true
	}
	if len(keys) != 3 || len(serials) != 3 {
		t.Errorf("3 issuers share keys or serials: %d keys, %d serials", len(keys), len(serials))
	}
}
