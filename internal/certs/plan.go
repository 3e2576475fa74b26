package certs

import (
	"errors"
	"fmt"
	"time"
)

// planned is a decision made from the files as they are: the actions, in
// the order Ensure runs them (anchor first), and the anchor kept, if any.
type planned struct {
	now     time.Time
	anchor  *anchor // nil when a new anchor is made
	actions []Action
}

func makePlan(opts Options) (*planned, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	now := opts.now()
	act, anc, err := planAnchor(opts, now)
	if err != nil {
		// Issuers can only be judged against a usable anchor.
		return nil, err
	}
	p := &planned{now: now, anchor: anc, actions: []Action{act}}
	var errs []error
	for _, c := range opts.Clusters {
		a, err := planIssuer(opts, c, anc, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.actions = append(p.actions, a)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

func planAnchor(opts Options, now time.Time) (Action, *anchor, error) {
	crtPath, keyPath := opts.anchorPaths()
	act := Action{Kind: KindCreateAnchor, Files: []string{crtPath, keyPath}}
	if opts.NewAnchor {
		act.Reason = "new anchor requested"
		return act, nil, nil
	}
	p, err := readPair(crtPath, keyPath)
	if err != nil {
		return Action{}, nil, err
	}
	if p.missing() {
		act.Reason = "no trust anchor yet"
		return act, nil, nil
	}
	anc, err := loadAnchor(p, now)
	if err != nil {
		// Never replaced behind the user's back: every cluster's identity
		// hangs on it.
		return Action{}, nil, fmt.Errorf("trust anchor: %w; fix %s and %s, or replace them with `localcluster certs --new-anchor` (every cluster then gets a new issuer)",
			err, crtPath, keyPath)
	}
	act.Kind = KindKeepAnchor
	act.Reason = "valid until " + day(anc.certs[0].NotAfter)
	if anc.certs[0].NotAfter.Sub(now) < RenewBefore {
		// Issuers stop working with it; only the user can decide to
		// replace it, which means reinstalling Linkerd everywhere.
		act.Reason = fmt.Sprintf("expires in %d days; make a new anchor before then", daysLeft(anc.certs[0], now))
	}
	return act, anc, nil
}

func planIssuer(opts Options, c Cluster, anc *anchor, now time.Time) (Action, error) {
	crtPath, keyPath := issuerPaths(c.Dir)
	act := Action{Kind: KindCreateIssuer, Cluster: c.Name, Files: []string{crtPath, keyPath}}
	p, err := readPair(crtPath, keyPath)
	switch {
	case err != nil:
		return Action{}, err
	case p.missing():
		act.Reason = "no issuer yet"
		return act, nil
	case anc == nil:
		act.Kind, act.Reason = KindReplaceIssuer, "new anchor"
		return act, nil
	case opts.Force:
		act.Kind, act.Reason = KindReplaceIssuer, "--force"
		return act, nil
	}
	act.Kind = KindReplaceIssuer
	crt, err := checkPair(p, anc.certs, now, "the trust anchor "+anchorPathOf(opts))
	var expired *validityError
	switch {
	case errors.As(err, &expired):
		// Same anchor, so a fresh issuer breaks no trust.
		act.Reason = expired.reason()
	case err != nil:
		return Action{}, fmt.Errorf("cluster %s: %w; fix it, or run `certs --force` to replace this cluster's issuer (its files are overwritten)", c.Name, err)
	case crt.NotAfter.Sub(now) < RenewBefore:
		act.Reason = fmt.Sprintf("expires in %d days", daysLeft(crt, now))
	default:
		act.Kind, act.Reason = KindKeepIssuer, "valid until "+day(crt.NotAfter)
	}
	return act, nil
}

func anchorPathOf(opts Options) string {
	crt, _ := opts.anchorPaths()
	return crt
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
