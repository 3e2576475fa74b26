package certs

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"time"
)

// Inspect reports the anchor, then each cluster's issuer. Its error is only
// for files that exist but cannot be read; every other problem goes into a
// CertInfo's Problem.
func Inspect(opts Options) ([]CertInfo, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	now := opts.now()
	crtPath, keyPath := opts.anchorPaths()
	ap, err := readPair(crtPath, keyPath)
	if err != nil {
		return nil, err
	}
	infos := []CertInfo{anchorInfo(ap, now)}
	// Issuers are checked against the anchor certificate even when its key
	// is missing: the key only matters for signing new issuers.
	anchors, _ := parseCerts(ap.crt)
	for _, c := range opts.Clusters {
		ip, err := readPair(issuerPaths(c.Dir))
		if err != nil {
			return nil, err
		}
		infos = append(infos, issuerInfo(c.Name, ip, anchors, crtPath, now))
	}
	return infos, nil
}

func anchorInfo(p pair, now time.Time) CertInfo {
	info := describe(p, now)
	if p.missing() {
		info.Problem = "no trust anchor yet"
		return info
	}
	if _, err := loadAnchor(p, now); err != nil {
		info.Problem = err.Error()
		return info
	}
	info.Valid = true
	return info
}

func issuerInfo(cluster string, p pair, anchors []*x509.Certificate, anchorPath string, now time.Time) CertInfo {
	info := describe(p, now)
	info.Cluster = cluster
	switch {
	case p.missing():
		info.Problem = "no issuer yet"
	case len(anchors) == 0:
		info.Problem = "cannot be checked: no usable trust anchor certificate in " + anchorPath
	default:
		_, err := checkPair(p, anchors, now, "the trust anchor "+anchorPath)
		if err != nil {
			info.Problem = err.Error()
		} else {
			info.Valid = true
		}
	}
	return info
}

// describe fills in what the certificate file says, when it can be read.
func describe(p pair, now time.Time) CertInfo {
	info := CertInfo{Path: p.crtPath}
	certs, err := parseCerts(p.crt)
	if err != nil {
		return info
	}
	info.Subject = certs[0].Subject.String()
	info.NotAfter = certs[0].NotAfter
	info.DaysLeft = daysLeft(certs[0], now)
	return info
}

// daysLeft rounds down, so an expired certificate shows a negative count.
func daysLeft(crt *x509.Certificate, now time.Time) int {
	return int(math.Floor(crt.NotAfter.Sub(now).Hours() / 24))
}

// LoadIssuer returns the PEM for Linkerd's Helm values: the anchor
// certificate (identityTrustAnchorsPEM), and the cluster's issuer
// certificate and key (identity.issuer.tls.crtPEM and keyPEM). It refuses an
// issuer Linkerd would refuse, so that an install fails here, clearly,
// rather than in a crash-looping identity pod.
func LoadIssuer(trustDir, clusterDir string) (anchorPEM, issuerCrtPEM, issuerKeyPEM []byte, err error) {
	anchorPath, _ := Options{TrustDir: trustDir}.anchorPaths()
	crtPath, keyPath := issuerPaths(clusterDir)
	if anchorPEM, err = os.ReadFile(anchorPath); err != nil {
		return nil, nil, nil, missingHint(err)
	}
	if issuerCrtPEM, err = os.ReadFile(crtPath); err != nil {
		return nil, nil, nil, missingHint(err)
	}
	if issuerKeyPEM, err = os.ReadFile(keyPath); err != nil {
		return nil, nil, nil, missingHint(err)
	}
	anchors, err := parseCerts(anchorPEM)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", anchorPath, err)
	}
	n := names{anchor: "the trust anchor " + anchorPath, crt: crtPath, key: keyPath}
	if _, err := checkIssuer(anchors, issuerCrtPEM, issuerKeyPEM, time.Now(), n); err != nil {
		return nil, nil, nil, err
	}
	return anchorPEM, issuerCrtPEM, issuerKeyPEM, nil
}

func missingHint(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w; run `certs` to make it", err)
	}
	return err
}
