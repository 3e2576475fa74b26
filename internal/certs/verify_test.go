package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// signer is a CA made by Ensure, to sign deliberately odd issuers with.
type signer struct {
	pem  []byte
	crt  *x509.Certificate
	key  *ecdsa.PrivateKey
	opts Options
}

func newSigner(t *testing.T) signer {
	t.Helper()
	opts := newLab(t, "smiley")
	mustEnsure(t, opts)
	s := signer{pem: readFile(t, filepath.Join(opts.TrustDir, "root.crt")), opts: opts}
	s.crt = readCert(t, filepath.Join(opts.TrustDir, "root.crt"))
	key, err := parseKey(readFile(t, filepath.Join(opts.TrustDir, "root.key")))
	if err != nil {
		t.Fatal(err)
	}
	s.key = key
	return s
}

// issue signs an issuer like ours, changed by edit, with a key of the given
// kind ("p256", "p384" or "rsa"); it returns certificate and key PEM.
func (s signer) issue(t *testing.T, kind string, edit func(*x509.Certificate)) (crtPEM, keyPEM []byte) {
	t.Helper()
	var key crypto.Signer
	var err error
	switch kind {
	case "p256":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "rsa":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: IssuerCN},
		NotBefore: t0.Add(-time.Minute), NotAfter: t0.Add(IssuerValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
		SignatureAlgorithm: x509.ECDSAWithSHA256,
	}
	if edit != nil {
		edit(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.crt, key.Public(), s.key)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: b}
	case *rsa.PrivateKey:
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(block)
}

func pkcs8(t *testing.T, sec1 []byte) []byte {
	t.Helper()
	key, err := parseKey(sec1)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func TestVerifyIssuer(t *testing.T) {
	s := newSigner(t)
	other := newSigner(t)
	dir := s.opts.Clusters[0].Dir
	goodCrt, goodKey := readFile(t, filepath.Join(dir, "issuer.crt")), readFile(t, filepath.Join(dir, "issuer.key"))
	foreignCrt := readFile(t, filepath.Join(other.opts.Clusters[0].Dir, "issuer.crt"))
	foreignKey := readFile(t, filepath.Join(other.opts.Clusters[0].Dir, "issuer.key"))
	p384Crt, p384Key := s.issue(t, "p384", nil)
	rsaCrt, rsaKey := s.issue(t, "rsa", nil)
	sha384Crt, sha384Key := s.issue(t, "p256", func(c *x509.Certificate) { c.SignatureAlgorithm = x509.ECDSAWithSHA384 })
	leafCrt, leafKey := s.issue(t, "p256", func(c *x509.Certificate) { c.IsCA, c.MaxPathLenZero = false, false })
	noSignCrt, noSignKey := s.issue(t, "p256", func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDigitalSignature })
	fine, fineKey := s.issue(t, "p256", nil)
	outliving, outlivingKey := s.issue(t, "p256", func(c *x509.Certificate) { c.NotAfter = t0.Add(AnchorValidity + 48*time.Hour) })
	withParams := append([]byte("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"), goodKey...)

	tests := []struct {
		name     string
		anchor   []byte
		crt, key []byte
		now      time.Time
		want     string // "" for no error
	}{
		{"ours", s.pem, goodCrt, goodKey, t0, ""},
		{"hand made, same profile", s.pem, fine, fineKey, t0, ""},
		{"anchor bundle during rotation", append(other.pem, s.pem...), goodCrt, goodKey, t0, ""},
		{"expired", s.pem, goodCrt, goodKey, t0.Add(IssuerValidity + time.Second), "issuer certificate expired on 2027-03-01T12:00:00Z"},
		{"not yet valid", s.pem, goodCrt, goodKey, t0.Add(-time.Hour), "issuer certificate is not valid before"},
		{"other anchor", s.pem, foreignCrt, foreignKey, t0, "issuer certificate is not signed by the trust anchor"},
		{"key of another issuer", s.pem, goodCrt, foreignKey, t0, "issuer key does not match issuer certificate"},
		{"PKCS#8 key", s.pem, goodCrt, pkcs8(t, goodKey), t0, `issuer key: Linkerd needs an unencrypted "EC PRIVATE KEY" PEM block first, found "PRIVATE KEY"`},
		{"EC parameters first", s.pem, goodCrt, withParams, t0, `found "EC PARAMETERS"`},
		{"P-384 key", s.pem, p384Crt, p384Key, t0, "issuer certificate: Linkerd needs an ECDSA P-256 key, found ECDSA P-384"},
		{"RSA key", s.pem, rsaCrt, rsaKey, t0, `found "RSA PRIVATE KEY"`},
		{"SHA-384 signature", s.pem, sha384Crt, sha384Key, t0, "Linkerd needs an ECDSA-SHA256 signature, found ECDSA-SHA384"},
		{"not a CA", s.pem, leafCrt, leafKey, t0, "issuer certificate is not a CA certificate"},
		{"no cert sign usage", s.pem, noSignCrt, noSignKey, t0, "may not sign certificates"},
		{"garbage certificate", s.pem, []byte("junk"), goodKey, t0, "issuer certificate: no PEM certificate found"},
		{"no key", s.pem, goodCrt, nil, t0, "found no PEM block"},
		{"garbage anchor", []byte("junk"), goodCrt, goodKey, t0, "trust anchor: no PEM certificate found"},
		{"issuer outlives its anchor", s.pem, outliving, outlivingKey, t0.Add(AnchorValidity - time.Hour), ""},
		{"anchor expired", s.pem, outliving, outlivingKey, t0.Add(AnchorValidity + time.Hour),
			"issuer certificate does not chain to the trust anchor: x509: certificate has expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyIssuer(tt.anchor, tt.crt, tt.key, tt.now)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadIssuer(t *testing.T) {
	opts := newLab(t, "smiley", "face")
	opts.Now = nil // LoadIssuer checks against the real clock
	mustEnsure(t, opts)
	dir := opts.Clusters[0].Dir

	t.Run("returns the files", func(t *testing.T) {
		anchorPEM, crt, key, err := LoadIssuer(opts.TrustDir, dir)
		if err != nil {
			t.Fatal(err)
		}
		for path, got := range map[string][]byte{
			filepath.Join(opts.TrustDir, "root.crt"): anchorPEM,
			filepath.Join(dir, "issuer.crt"):         crt,
			filepath.Join(dir, "issuer.key"):         key,
		} {
			if string(got) != string(readFile(t, path)) {
				t.Errorf("%s: returned bytes differ from the file", path)
			}
		}
	})
	t.Run("missing issuer", func(t *testing.T) {
		_, _, _, err := LoadIssuer(opts.TrustDir, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "issuer.crt") || !strings.Contains(err.Error(), "run `certs`") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("issuer of another cluster's key", func(t *testing.T) {
		copyFile(t, filepath.Join(opts.Clusters[1].Dir, "issuer.key"), filepath.Join(dir, "issuer.key"))
		_, _, _, err := LoadIssuer(opts.TrustDir, dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "issuer.key")+" does not match") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestInspect(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, o Options)
		valid []bool
		want  []string // Problem substrings, "" for none
	}{
		{"fresh lab", func(t *testing.T, o Options) { mustEnsure(t, o) },
			[]bool{true, true, true}, []string{"", "", ""}},
		{"nothing yet", func(*testing.T, Options) {},
			[]bool{false, false, false}, []string{"no trust anchor yet", "no issuer yet", "no issuer yet"}},
		{"anchor key lost", func(t *testing.T, o Options) { mustEnsure(t, o); remove(t, o.TrustDir, "root.key") },
			[]bool{false, true, true}, []string{"root.key is missing", "", ""}},
		{"anchor lost", func(t *testing.T, o Options) { mustEnsure(t, o); remove(t, o.TrustDir, "root.crt") },
			[]bool{false, false, false}, []string{"root.crt is missing", "cannot be checked", "cannot be checked"}},
		{"one issuer key lost", func(t *testing.T, o Options) { mustEnsure(t, o); remove(t, o.Clusters[1].Dir, "issuer.key") },
			[]bool{true, true, false}, []string{"", "", "issuer.key is missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := newLab(t, "smiley", "face")
			tt.setup(t, opts)
			infos, err := Inspect(opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(infos) != 3 {
				t.Fatalf("%d infos, want 3", len(infos))
			}
			for i, info := range infos {
				if info.Valid != tt.valid[i] || !strings.Contains(info.Problem, tt.want[i]) || (tt.want[i] == "") != (info.Problem == "") {
					t.Errorf("info %d = %+v, want valid %v, problem %q", i, info, tt.valid[i], tt.want[i])
				}
			}
		})
	}
}

func TestInspectDescribesCertificates(t *testing.T) {
	opts := newLab(t, "smiley")
	mustEnsure(t, opts)
	opts.Now = at(t0.Add(100 * 24 * time.Hour))
	infos, err := Inspect(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []CertInfo{
		{Path: filepath.Join(opts.TrustDir, "root.crt"), Subject: "CN=root.linkerd.cluster.local",
			NotAfter: t0.Add(AnchorValidity), DaysLeft: 3550, Valid: true},
		{Cluster: "smiley", Path: filepath.Join(opts.Clusters[0].Dir, "issuer.crt"), Subject: "CN=identity.linkerd.cluster.local",
			NotAfter: t0.Add(IssuerValidity), DaysLeft: 265, Valid: true},
	}
	for i := range want {
		got := infos[i]
		if got.Cluster != want[i].Cluster || got.Path != want[i].Path || got.Subject != want[i].Subject ||
			!got.NotAfter.Equal(want[i].NotAfter) || got.DaysLeft != want[i].DaysLeft || got.Valid != want[i].Valid {
			t.Errorf("info %d:\n got %+v\nwant %+v", i, got, want[i])
		}
	}

	opts.Now = at(t0.Add(IssuerValidity + 36*time.Hour))
	infos, err = Inspect(opts)
	if err != nil {
		t.Fatal(err)
	}
	if infos[1].Valid || infos[1].DaysLeft != -2 || !strings.Contains(infos[1].Problem, "expired on") {
		t.Errorf("expired issuer: %+v", infos[1])
	}
}

func TestInspectReadError(t *testing.T) {
	opts := newLab(t, "smiley")
	mustEnsure(t, opts)
	path := filepath.Join(opts.Clusters[0].Dir, "issuer.crt")
	remove(t, opts.Clusters[0].Dir, "issuer.crt")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(opts); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want a read error naming %s", err, path)
	}
}
