package provider

import (
	"context"
	"fmt"
	"net/url"
	"sort"
)

// Mirror sends a node's pulls from one upstream registry to a pull-through
// cache first. Nodes fall back to the upstream registry itself when the
// mirror does not answer, so a stopped cache slows nothing but the first
// try of each pull.
type Mirror struct {
	// Registry is the registry host as image references name it:
	// docker.io, ghcr.io, quay.io, registry.k8s.io, cr.l5d.io, ...
	Registry string
	// Endpoint is the mirror's base URL as nodes reach it, e.g.
	// http://localcluster-cache:5000.
	Endpoint string
}

// Upstream is the registry's own API address, which containerd tries after
// the mirror: docker.io's API lives at registry-1.docker.io.
func (m Mirror) Upstream() string {
	if m.Registry == "docker.io" {
		return "https://registry-1.docker.io"
	}
	return "https://" + m.Registry
}

// Check reports a mirror that nodes could not use.
func (m Mirror) Check() error {
	u, err := url.Parse(m.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("mirror for %s: %q is not an http:// or https:// URL", m.Registry, m.Endpoint)
	}
	if m.Registry == "" {
		return fmt.Errorf("mirror %s: no registry named", m.Endpoint)
	}
	return nil
}

// SortMirrors orders mirrors by registry, so generated configs are stable.
func SortMirrors(ms []Mirror) []Mirror {
	out := append([]Mirror(nil), ms...)
	sort.Slice(out, func(i, j int) bool { return out[i].Registry < out[j].Registry })
	return out
}

// MirrorConfigurer is a provider whose existing nodes can take the mirror
// configuration without being recreated, so that turning the cache on
// for a lab whose clusters exist reaches them.
type MirrorConfigurer interface {
	// EnsureMirrors configures s.Mirrors in every node of the existing
	// cluster s names, leaving what is already right alone.
	EnsureMirrors(ctx context.Context, s Spec) (MirrorReport, error)
}

// MirrorReport says what EnsureMirrors did.
type MirrorReport struct {
	// Written are the nodes whose configuration was written.
	Written []string
	// Unread are the nodes whose runtime does not read the configuration
	// (created without it); they pull from the registries directly until
	// they are recreated.
	Unread []string
}
