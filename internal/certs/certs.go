// Package certs makes and checks the Linkerd identity certificates of a lab:
// one trust anchor shared by every cluster, so that proxies in different
// clusters trust each other, and one issuer per cluster signed by it.
//
// It writes the same files, with the same names and profiles, as the step
// commands the older Python tool ran, so existing labs keep working, but it
// needs nothing beyond the Go standard library.
package certs

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// Names and lifetimes Linkerd and existing workshops expect.
const (
	AnchorCN        = "root.linkerd.cluster.local"
	IssuerCN        = "identity.linkerd.cluster.local"
	DefaultTrustDir = "./certs"
	AnchorValidity  = 87600 * time.Hour // ten years, as step's root-ca profile
	IssuerValidity  = 8760 * time.Hour  // one year

	// RenewBefore is how close to expiry an issuer is replaced without
	// --force. It is the point from which `linkerd check` warns, so a lab
	// refreshed with `certs` never shows that warning. Replacing such an
	// issuer loses nothing: the new one chains to the same anchor.
	RenewBefore = 60 * 24 * time.Hour

	// clockSkew backdates NotBefore so that node containers whose clocks
	// lag the host's accept a certificate made a moment ago.
	clockSkew = 5 * time.Minute
)

// File names inside the trust directory and each cluster directory.
const (
	AnchorCertFile = "root.crt"
	AnchorKeyFile  = "root.key"
	IssuerCertFile = "issuer.crt"
	IssuerKeyFile  = "issuer.key"
)

// Action kinds.
const (
	KindCreateAnchor  = "create-anchor"
	KindKeepAnchor    = "keep-anchor"
	KindCreateIssuer  = "create-issuer"
	KindReplaceIssuer = "replace-issuer"
	KindKeepIssuer    = "keep-issuer"
)

// Options says which certificates to ensure and how.
type Options struct {
	TrustDir  string           // holds root.crt/root.key; "" means DefaultTrustDir
	Clusters  []Cluster        // issuers to ensure
	Force     bool             // remake issuers
	NewAnchor bool             // remake the anchor (and so every issuer)
	Now       func() time.Time // nil = time.Now (for tests)
}

// Cluster is one cluster whose issuer lives in Dir, the directory holding
// its sma.yaml.
type Cluster struct{ Name, Dir string }

// Action is one thing Ensure would do or did.
type Action struct {
	Kind    string   // one of the Kind* constants
	Cluster string   // "" for the anchor
	Files   []string // certificate then key: written (or that would be), or kept for keep-*
	Reason  string   // short human reason, e.g. "no issuer yet", "--force", "new anchor"
}

// CertInfo is what `certs` reports per certificate.
type CertInfo struct {
	Cluster  string // "" for the anchor
	Path     string
	Subject  string
	NotAfter time.Time
	DaysLeft int
	Valid    bool   // usable: right algorithms, a CA within validity, key present and matching, chains to the anchor
	Problem  string // why not valid
}

// Plan decides what Ensure would do, reading files only (never writing), so
// that a dry run can show it. Problems are reported all at once.
func Plan(opts Options) ([]Action, error) {
	p, err := makePlan(opts)
	if err != nil {
		return nil, err
	}
	return p.actions, nil
}

// Ensure makes the certificates Plan decides on. It writes nothing when any
// problem is found, so a refused run never leaves a lab half-converted. It
// returns the actions taken, also on a write error (those that succeeded).
func Ensure(opts Options) ([]Action, error) {
	p, err := makePlan(opts)
	if err != nil {
		return nil, err
	}
	signer := p.anchor
	anchorAct, issuerActs := p.actions[0], p.actions[1:]
	if anchorAct.Kind == KindCreateAnchor {
		if signer, err = writeAnchor(anchorAct.Files[0], anchorAct.Files[1], p.now); err != nil {
			return nil, fmt.Errorf("write trust anchor %s: %w", anchorAct.Files[0], err)
		}
	}
	done := []Action{anchorAct}
	errs := writeIssuers(issuerActs, signer, p.now)
	for i, a := range issuerActs {
		if errs[i] == nil {
			done = append(done, a)
		}
	}
	return done, errors.Join(errs...)
}

// writeIssuers writes issuers in parallel: each file is synced to disk, and
// those waits, not the signing, are most of the time taken.
func writeIssuers(actions []Action, signer *anchor, now time.Time) []error {
	errs := make([]error, len(actions))
	var wg sync.WaitGroup
	for i, a := range actions {
		if a.Kind != KindCreateIssuer && a.Kind != KindReplaceIssuer {
			continue
		}
		wg.Go(func() {
			if err := writeIssuer(a.Files[0], a.Files[1], signer, now); err != nil {
				errs[i] = fmt.Errorf("cluster %s: write issuer %s: %w", a.Cluster, a.Files[0], err)
			}
		})
	}
	wg.Wait()
	return errs
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func (o Options) anchorPaths() (crt, key string) {
	dir := o.TrustDir
	if dir == "" {
		dir = DefaultTrustDir
	}
	return filepath.Join(dir, AnchorCertFile), filepath.Join(dir, AnchorKeyFile)
}

func issuerPaths(dir string) (crt, key string) {
	return filepath.Join(dir, IssuerCertFile), filepath.Join(dir, IssuerKeyFile)
}

// validate catches cluster lists that would make two clusters share, and so
// overwrite, one issuer.
func (o Options) validate() error {
	var errs []error
	seen := map[string]string{}
	for _, c := range o.Clusters {
		if c.Dir == "" {
			errs = append(errs, fmt.Errorf("cluster %q: no directory to keep its issuer in", c.Name))
			continue
		}
		dir := filepath.Clean(c.Dir)
		if other, ok := seen[dir]; ok {
			errs = append(errs, fmt.Errorf("clusters %q and %q both use %s; each cluster needs its own directory", other, c.Name, c.Dir))
		}
		seen[dir] = c.Name
	}
	return errors.Join(errs...)
}
