package certs

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/testenv"
)

// TestOpenSSLAcceptsGenerated checks the files with an independent
// implementation. It uses the real clock, as openssl does.
func TestOpenSSLAcceptsGenerated(t *testing.T) {
	openssl := testenv.NeedTool(t, "openssl")
	opts := newLab(t, "smiley")
	opts.Now = nil
	mustEnsure(t, opts)
	other := newLab(t, "smiley")
	other.Now = nil
	mustEnsure(t, other)

	root := filepath.Join(opts.TrustDir, "root.crt")
	rootKey := filepath.Join(opts.TrustDir, "root.key")
	issuer := filepath.Join(opts.Clusters[0].Dir, "issuer.crt")
	issuerKey := filepath.Join(opts.Clusters[0].Dir, "issuer.key")
	foreign := filepath.Join(other.Clusters[0].Dir, "issuer.crt")

	tests := []struct {
		name     string
		args     []string
		want     string
		wantFail bool
	}{
		{"issuer chains to anchor", []string{"verify", "-x509_strict", "-CAfile", root, issuer}, issuer + ": OK", false},
		{"anchor is a self-signed root", []string{"verify", "-x509_strict", "-CAfile", root, root}, root + ": OK", false},
		{"issuer of another anchor is refused", []string{"verify", "-CAfile", root, foreign}, "unable to get local issuer certificate", true},
		{"issuer key is valid", []string{"ec", "-in", issuerKey, "-check", "-noout"}, "EC Key valid", false},
		{"anchor key is valid", []string{"ec", "-in", rootKey, "-check", "-noout"}, "EC Key valid", false},
		{"issuer is a CA with pathlen 0", []string{"x509", "-in", issuer, "-noout", "-text"}, "CA:TRUE, pathlen:0", false},
		{"anchor is a CA with pathlen 1", []string{"x509", "-in", root, "-noout", "-text"}, "CA:TRUE, pathlen:1", false},
		{"issuer key usage", []string{"x509", "-in", issuer, "-noout", "-text"}, "Digital Signature, Certificate Sign, CRL Sign", false},
		{"issuer signature", []string{"x509", "-in", issuer, "-noout", "-text"}, "Signature Algorithm: ecdsa-with-SHA256", false},
		{"issuer curve", []string{"x509", "-in", issuer, "-noout", "-text"}, "NIST CURVE: P-256", false},
		{"issuer subject", []string{"x509", "-in", issuer, "-noout", "-subject", "-issuer"},
			"subject=CN = identity.linkerd.cluster.local\nissuer=CN = root.linkerd.cluster.local", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(openssl, tt.args...).CombinedOutput()
			if (err != nil) != tt.wantFail {
				t.Fatalf("openssl %v: err = %v, wantFail %v\n%s", tt.args, err, tt.wantFail, out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("openssl %v output lacks %q:\n%s", tt.args, tt.want, out)
			}
		})
	}

	t.Run("issuer key matches certificate", func(t *testing.T) {
		fromKey, err := exec.Command(openssl, "pkey", "-in", issuerKey, "-pubout").Output()
		if err != nil {
			t.Fatal(err)
		}
		fromCrt, err := exec.Command(openssl, "x509", "-in", issuer, "-noout", "-pubkey").Output()
		if err != nil {
			t.Fatal(err)
		}
		if len(fromKey) == 0 || string(fromKey) != string(fromCrt) {
			t.Errorf("public keys differ:\nkey: %s\ncrt: %s", fromKey, fromCrt)
		}
	})
}
