package k3d

import (
	"context"
	"slices"
	"testing"
)

// TestMirrorsReachK3s checks that the mirrors survive k3d's own reading of
// the config (schema, viper, transform) into the registries.yaml k3d
// writes to the nodes, each with exactly its endpoint.
func TestMirrorsReachK3s(t *testing.T) {
	p := New()
	for _, name := range []string{"v4-mirrors", "dual-mirrors"} {
		s := specs()[name]
		raw, err := p.Config(s)
		if err != nil {
			t.Fatal(err)
		}
		cc, err := p.clusterConfig(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		reg := cc.ClusterCreateOpts.Registries.Config
		if reg == nil {
			t.Fatalf("%s: k3d would write no registries.yaml", name)
		}
		if len(reg.Mirrors) != len(s.Mirrors) {
			t.Errorf("%s: %d mirrors in registries.yaml, want %d", name, len(reg.Mirrors), len(s.Mirrors))
		}
		for _, m := range s.Mirrors {
			if got := reg.Mirrors[m.Registry].Endpoints; !slices.Equal(got, []string{m.Endpoint}) {
				t.Errorf("%s: %s endpoints = %q, want [%s]", name, m.Registry, got, m.Endpoint)
			}
		}
	}
	if cc, err := p.clusterConfig(context.Background(), mustConfig(t, p, "v4")); err != nil || cc.ClusterCreateOpts.Registries.Config != nil {
		t.Errorf("without mirrors: registries config %+v, err %v; want none", cc.ClusterCreateOpts.Registries.Config, err)
	}
}

func mustConfig(t *testing.T, p *Provider, name string) []byte {
	t.Helper()
	raw, err := p.Config(specs()[name])
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
