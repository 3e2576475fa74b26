package definition

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// CacheSettings configure the lab's image cache (lab.yaml spec.cache).
// By default localcluster runs one pull-through cache for every known
// registry and points every node at it.
type CacheSettings struct {
	// Enabled is nil when unset, which means on.
	Enabled *bool `yaml:"enabled" json:"enabled,omitempty"`
	// Mirrors, when set, name existing pull-through caches to use instead
	// of starting one: registry host (one of CacheRegistries) to the
	// mirror's http:// or https:// URL. Registries not listed are pulled
	// directly.
	Mirrors map[string]any `yaml:"mirrors" json:"mirrors,omitempty"`
}

// CacheRegistries are the registries the lab's cache knows how to mirror:
// the ones Linkerd, MetalLB, kind, k3s and the demo applications pull from.
var CacheRegistries = []string{"cr.l5d.io", "docker.io", "ghcr.io", "quay.io", "registry.k8s.io"}

// On reports whether the cache is wanted.
func (c CacheSettings) On() bool { return c.Enabled == nil || *c.Enabled }

// MirrorURLs returns Mirrors as strings, sorted by registry. Load has
// checked that every value is a URL.
func (c CacheSettings) MirrorURLs() [][2]string {
	var out [][2]string
	for reg, v := range c.Mirrors {
		s, _ := v.(string)
		out = append(out, [2]string{reg, s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func checkCache(ck *fileCheck, c CacheSettings) {
	const path = "spec.cache.mirrors"
	if !ck.d.present(path) {
		return
	}
	if len(c.Mirrors) == 0 {
		ck.problem(path, "empty; map registries (%s) to mirror URLs, or remove the field", strings.Join(CacheRegistries, ", "))
	}
	if !c.On() {
		ck.problem(path, "set while spec.cache.enabled is false; remove one of them")
	}
	regs := make([]string, 0, len(c.Mirrors))
	for reg := range c.Mirrors {
		regs = append(regs, reg)
	}
	sort.Strings(regs)
	for _, reg := range regs {
		if !knownRegistry(reg) {
			ck.problem(path, "%q is not a registry the cache knows; use one of %s", reg, strings.Join(CacheRegistries, ", "))
		}
		s, ok := c.Mirrors[reg].(string)
		if !ok {
			ck.problem(path, "%s: want a mirror URL such as http://192.168.1.10:5000, got %v", reg, c.Mirrors[reg])
			continue
		}
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			ck.problem(path, "%s: %q is not a mirror URL; want http:// or https:// with a host and no path, such as http://192.168.1.10:5000", reg, s)
		}
	}
}

func knownRegistry(reg string) bool {
	for _, r := range CacheRegistries {
		if r == reg {
			return true
		}
	}
	return false
}

// String is how a cache setting is shown in messages.
func (c CacheSettings) String() string {
	switch {
	case !c.On():
		return "off"
	case len(c.Mirrors) > 0:
		return fmt.Sprintf("existing mirrors for %d registries", len(c.Mirrors))
	}
	return "on"
}
