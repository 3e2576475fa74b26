package imagecache

import (
	"fmt"
	"strconv"

	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/provider"
)

// Upstream is one registry the cache mirrors, on its own port: a
// distribution pull-through cache proxies exactly one remote, and a
// containerd mirror host has no way to say which upstream it wants.
type Upstream struct {
	Registry string // as image references name it
	URL      string // its API
	Port     int    // where the cache serves it
}

// Upstreams are the registries the built-in cache mirrors, with fixed
// ports so that node configuration never changes between labs.
func Upstreams() []Upstream {
	ports := map[string]int{"docker.io": 5000, "ghcr.io": 5001, "quay.io": 5002, "registry.k8s.io": 5003, "cr.l5d.io": 5004}
	out := make([]Upstream, 0, len(ports))
	for _, reg := range definition.CacheRegistries {
		m := provider.Mirror{Registry: reg}
		out = append(out, Upstream{Registry: reg, URL: m.Upstream(), Port: ports[reg]})
	}
	return out
}

// ContainerName is the cache container, also its host name on the lab
// network: nodes reach it by name, which survives a change of address.
const ContainerName = "localcluster-cache"

// Endpoint is where nodes reach the cache of u.
func (u Upstream) Endpoint() string {
	return "http://" + ContainerName + ":" + strconv.Itoa(u.Port)
}

// Config is what the lab's cache settings come to.
type Config struct {
	// Builtin is true when localcluster runs the cache itself.
	Builtin bool
	// Mirrors are what every node is configured with; empty when off.
	Mirrors []provider.Mirror
	// Instance is the cache localcluster runs, whether this lab uses it
	// or not: down --cache removes it, and down disconnects it from the
	// lab's network. Tests name their own.
	Instance Instance
}

// Resolve turns lab.yaml's cache settings into a Config.
func Resolve(s definition.CacheSettings) Config {
	switch {
	case !s.On():
		return Config{Instance: Default()}
	case len(s.Mirrors) > 0:
		var ms []provider.Mirror
		for _, kv := range s.MirrorURLs() {
			ms = append(ms, provider.Mirror{Registry: kv[0], Endpoint: kv[1]})
		}
		return Config{Mirrors: ms, Instance: Default()}
	}
	c := Config{Builtin: true, Instance: Default()}
	for _, u := range Upstreams() {
		c.Mirrors = append(c.Mirrors, provider.Mirror{Registry: u.Registry, Endpoint: u.Endpoint()})
	}
	return c
}

// Describe says in a few words what c does, for step titles.
func (c Config) Describe() string {
	switch {
	case c.Builtin:
		return fmt.Sprintf("lab cache %s for %d registries", ContainerName, len(c.Mirrors))
	case len(c.Mirrors) > 0:
		return fmt.Sprintf("existing mirrors for %d registries", len(c.Mirrors))
	}
	return "no cache"
}
