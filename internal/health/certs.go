package health

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/localcluster/localcluster/internal/certs"
	"github.com/localcluster/localcluster/internal/mesh"
)

// Where the control plane keeps its trust roots and issuer (linkerd2's
// charts/linkerd-control-plane/templates/identity.yaml).
const (
	trustRootsConfigMap = "linkerd-identity-trust-roots"
	trustRootsKey       = "ca-bundle.crt"
	issuerSecret        = "linkerd-identity-issuer"
	issuerSecretCrtKey  = "crt.pem"
)

// issuerWarnDays is how close to its expiry an issuer is reported.
const issuerWarnDays = 30

// anchorFile is the lab's trust anchor as read from the trust directory.
type anchorFile struct {
	path  string
	certs []*x509.Certificate
	err   error
}

func readAnchor(trustDir string) anchorFile {
	path, _ := certs.AnchorPaths(trustDir)
	a := anchorFile{path: path}
	data, err := os.ReadFile(path)
	if err != nil {
		a.err = err
		return a
	}
	a.certs, a.err = parsePEMCerts(data)
	return a
}

func parsePEMCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no certificate found")
	}
	return out, nil
}

// issuerCheck judges the cluster's issuer file as Linkerd would (ECDSA
// P-256, a CA in its validity chaining to the lab's anchor), says how
// many days it has left, and checks that the cluster runs that issuer.
func issuerCheck(ctx context.Context, o *Options, s *clusterState, anchor anchorFile) Check {
	ch := Check{Name: CheckIssuer}
	name := s.plan.Name
	crtPath, _ := certs.IssuerPaths(s.plan.Def.Dir)
	anchorPEM, crtPEM, keyPEM, err := certs.LoadIssuer(o.TrustDir, s.plan.Def.Dir)
	if err == nil {
		err = certs.VerifyIssuer(anchorPEM, crtPEM, keyPEM, o.now())
	}
	if err != nil {
		ch.Status, ch.Message, ch.Fix = Fail, err.Error(), o.Fixes.certs(name)
		if anchor.err != nil {
			ch.Fix = o.Fixes.command("certs", name) + " && " + o.Fixes.linkerd(name)
		}
		return ch
	}
	crts, err := parsePEMCerts(crtPEM)
	if err != nil {
		ch.Status, ch.Message, ch.Fix = Fail, crtPath+": "+err.Error(), o.Fixes.certs(name)
		return ch
	}
	left := int(crts[0].NotAfter.Sub(o.now()) / (24 * time.Hour))
	ch.Status = OK
	ch.Message = fmt.Sprintf("%s chains to the trust anchor, %d days left", crtPath, left)
	if left < issuerWarnDays {
		ch.Status, ch.Fix = Warn, o.Fixes.certs(name)
	}
	if s.cs == nil || s.apiErr != nil {
		ch.Message += "; the issuer the cluster runs is not checked: " + name + " is unreachable"
		return ch
	}
	secret, err := s.cs.CoreV1().Secrets(mesh.LinkerdNamespace).Get(ctx, issuerSecret, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		ch.Message += "; Linkerd is not installed"
	case err != nil:
		ch.Status, ch.Message = Unknown, ch.Message+"; reading the issuer the cluster runs: "+shortErr(err).Error()
	case !bytes.Equal(bytes.TrimSpace(secret.Data[issuerSecretCrtKey]), bytes.TrimSpace(crtPEM)):
		ch.Status = Fail
		ch.Message = fmt.Sprintf("the cluster runs another issuer than %s (Secret %s/%s)", crtPath, mesh.LinkerdNamespace, issuerSecret)
		ch.Fix = o.Fixes.linkerd(name)
	default:
		ch.Message += "; the cluster runs it"
	}
	return ch
}

// trustAnchorCheck compares the trust roots the control plane uses with
// the lab's anchor: every cluster must hold the same.
func trustAnchorCheck(ctx context.Context, o *Options, s *clusterState, anchor anchorFile) Check {
	ch := Check{Name: CheckTrustAnchor}
	name := s.plan.Name
	switch {
	case anchor.err != nil:
		ch.Status, ch.Message = Unknown, fmt.Sprintf("no trust anchor to compare with: %s: %v", anchor.path, anchor.err)
		ch.Fix = o.Fixes.command("certs", name)
		return ch
	case s.cs == nil || s.apiErr != nil:
		return unknownBecause(CheckTrustAnchor, name, s.down)
	}
	cm, err := s.cs.CoreV1().ConfigMaps(mesh.LinkerdNamespace).Get(ctx, trustRootsConfigMap, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		ch.Status = Unknown
		ch.Message = fmt.Sprintf("no ConfigMap %s/%s: Linkerd is not installed", mesh.LinkerdNamespace, trustRootsConfigMap)
		ch.Fix = o.Fixes.linkerd(name)
		return ch
	case err != nil:
		ch.Status, ch.Message = Unknown, "reading the trust roots: "+shortErr(err).Error()
		return ch
	}
	roots, err := parsePEMCerts([]byte(cm.Data[trustRootsKey]))
	if err != nil {
		ch.Status, ch.Fix = Fail, o.Fixes.linkerd(name)
		ch.Message = fmt.Sprintf("ConfigMap %s/%s: %v", mesh.LinkerdNamespace, trustRootsConfigMap, err)
		return ch
	}
	if !sameCerts(roots, anchor.certs) {
		ch.Status, ch.Fix = Fail, o.Fixes.linkerd(name)
		ch.Message = fmt.Sprintf("the control plane trusts %s, not the lab's anchor %s (%s): its workloads cannot talk to the other clusters'",
			describeCerts(roots), anchor.path, describeCerts(anchor.certs))
		return ch
	}
	ch.Status = OK
	ch.Message = fmt.Sprintf("the control plane trusts the lab's anchor %s (%s)", anchor.path, describeCerts(anchor.certs))
	return ch
}

// sameCerts tells whether a and b hold the same certificates, in any order,
// as linkerd2's "clusters share trust anchors" compares them.
func sameCerts(a, b []*x509.Certificate) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, x.Equal) {
			return false
		}
	}
	return true
}

func describeCerts(cs []*x509.Certificate) string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("CN %s, serial %s, until %s", c.Subject.CommonName, shortSerial(c), c.NotAfter.UTC().Format(time.DateOnly)))
	}
	return strings.Join(out, "; ")
}

func shortSerial(c *x509.Certificate) string {
	s := fmt.Sprintf("%x", c.SerialNumber)
	if len(s) > 8 {
		s = s[:8]
	}
	return s
}
