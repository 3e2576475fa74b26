package dockernet

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/docker/docker/api/types/network"
)

func TestEnsureNetworkCreatesThenReuses(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	spec := l.ensureNetwork(l.labSpec("net")) // fails unless changed=true

	changed, err := l.cli.EnsureNetwork(l.ctx, spec)
	if err != nil || changed {
		t.Fatalf("second EnsureNetwork = %v, %v; want false, nil", changed, err)
	}
	n, err := l.cli.api.NetworkInspect(l.ctx, spec.Name, network.InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"driver", n.Driver, "bridge"},
		{"IPv6", n.EnableIPv6, true},
		{"label " + NetworkLabel, n.Labels[NetworkLabel], "true"},
		{"label " + testLabel, n.Labels[testLabel], l.id},
		{"masquerade", n.Options[optMasquerade], "true"},
		{"MTU", n.Options[optMTU], "1500"},
		{"IPAM", fmt.Sprint(n.IPAM.Config), fmt.Sprintf("[{%s %s  map[]} {%s   map[]}]",
			spec.IPv4Subnet, spec.IPv4Range, spec.IPv6Subnet)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

// Parallel creations from separate processes (separate clients, so no shared
// lock) must end with exactly one network: the "network kind is ambiguous"
// problem.
func TestEnsureNetworkConcurrentCreators(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	spec := l.ensureNetwork(l.labSpec("race"))
	if err := l.cli.api.NetworkRemove(l.ctx, spec.Name); err != nil {
		t.Fatal(err)
	}
	const creators = 6
	var wg sync.WaitGroup
	changed := make([]bool, creators)
	errs := make([]error, creators)
	for i := range creators {
		wg.Go(func() {
			c, rec, err := newRecordingClient() // another process
			if err != nil {
				errs[i] = err
				return
			}
			defer func() { _ = c.Close() }()
			defer func() {
				if foreign := rec.foreign(l.name("")); len(foreign) > 0 {
					t.Errorf("creator touched what it did not make: %v", foreign)
				}
			}()
			changed[i], errs[i] = c.EnsureNetwork(l.ctx, spec)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	list, err := l.cli.api.NetworkList(l.ctx, network.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var same int
	for _, n := range list {
		if n.Name == spec.Name {
			same++
		}
	}
	if same != 1 {
		t.Errorf("%d networks named %s, want 1", same, spec.Name)
	}
	var created int
	for _, ch := range changed {
		if ch {
			created++
		}
	}
	if created < 1 {
		t.Errorf("no creator reported changed=true")
	}
}

// createByHand makes a network the way a workshop README does, with plain
// `docker network create`: no localcluster label. Zero fields are left out.
func (l *lab) createByHand(spec NetworkSpec) NetworkSpec {
	l.tb.Helper()
	for attempt := 0; ; attempt++ {
		ipam := &network.IPAM{Config: []network.IPAMConfig{{Subnet: spec.IPv4Subnet.String()}}}
		if spec.IPv4Range.IsValid() {
			ipam.Config[0].IPRange = spec.IPv4Range.String()
		}
		opts := network.CreateOptions{Driver: "bridge", IPAM: ipam, Labels: map[string]string{testLabel: l.id}}
		if spec.IPv6Subnet.IsValid() {
			ipam.Config = append(ipam.Config, network.IPAMConfig{Subnet: spec.IPv6Subnet.String()})
			opts.EnableIPv6 = ptr(true)
		}
		_, err := l.cli.api.NetworkCreate(l.ctx, spec.Name, opts)
		if err != nil && isPoolOverlap(err) && attempt < 10 {
			fresh := l.labSpec("x")
			spec.IPv4Subnet = fresh.IPv4Subnet
			if spec.IPv4Range.IsValid() {
				spec.IPv4Range = shiftRange(spec.IPv4Range, fresh.IPv4Subnet)
			}
			if spec.IPv6Subnet.IsValid() {
				spec.IPv6Subnet = fresh.IPv6Subnet
			}
			continue
		}
		if err != nil {
			l.tb.Fatalf("creating network %s by hand: %v", spec.Name, err)
		}
		l.removeNetworkAtCleanup(spec.Name)
		return spec
	}
}

func TestEnsureNetworkExisting(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	tests := []struct {
		name     string
		existing func(NetworkSpec) NetworkSpec // what was created by hand
		want     func(made, asked NetworkSpec) []string
	}{{
		name:     "made by hand and fits",
		existing: func(s NetworkSpec) NetworkSpec { return s },
	}, {
		name: "other subnet",
		existing: func(s NetworkSpec) NetworkSpec {
			s.IPv4Subnet = netip.MustParsePrefix("192.168.199.0/24")
			s.IPv4Range = netip.MustParsePrefix("192.168.199.0/28")
			return s
		},
		want: func(made, asked NetworkSpec) []string {
			return []string{made.IPv4Subnet.String(), asked.IPv4Subnet.String(), "docker network rm " + asked.Name}
		},
	}, {
		name:     "no IPv6",
		existing: func(s NetworkSpec) NetworkSpec { s.IPv6Subnet = netip.Prefix{}; return s },
		want: func(_, asked NetworkSpec) []string {
			return []string{"IPv6 is off, the lab needs IPv6 subnet " + asked.IPv6Subnet.String()}
		},
	}}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := l.labSpec(fmt.Sprint("exist", i))
			made := l.createByHand(tt.existing(spec))
			asked := made
			asked.IPv4Subnet, asked.IPv4Range, asked.IPv6Subnet = spec.IPv4Subnet, spec.IPv4Range, spec.IPv6Subnet
			if tt.want == nil {
				asked = made
			} else if asked.IPv4Subnet == made.IPv4Subnet && tt.name == "other subnet" {
				t.Fatal("random subnet equals the clashing one")
			}
			changed, err := l.cli.EnsureNetwork(l.ctx, asked)
			if tt.want == nil {
				if err != nil || changed {
					t.Fatalf("EnsureNetwork = %v, %v; want reuse (false, nil)", changed, err)
				}
				return
			}
			var mm *NetworkMismatchError
			if !errors.As(err, &mm) {
				t.Fatalf("EnsureNetwork error = %v, want a *NetworkMismatchError", err)
			}
			for _, want := range tt.want(made, asked) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			// Refusing must leave the network alone.
			n, err := l.cli.api.NetworkInspect(l.ctx, made.Name, network.InspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := n.IPAM.Config[0].Subnet; got != made.IPv4Subnet.String() {
				t.Errorf("network subnet is now %s, want %s untouched", got, made.IPv4Subnet)
			}
		})
	}
}

// Docker must hand out addresses only inside IPv4Range.
func TestEnsureNetworkIPRangeHonored(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	spec := l.labSpec("range")
	spec.IPv4Range = shiftRange(netip.MustParsePrefix("0.0.0.32/28"), spec.IPv4Subnet)
	spec = l.ensureNetwork(spec)
	for i := range 4 {
		l.startNode(fmt.Sprint("n", i), spec.Name, i+1, map[string]string{KindClusterLabel: "r" + l.id, KindRoleLabel: "worker"})
	}
	nodes, err := l.cli.Nodes(l.ctx, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 4 {
		t.Fatalf("found %d nodes, want 4", len(nodes))
	}
	for _, n := range nodes {
		if !spec.IPv4Range.Contains(n.IPv4) {
			t.Errorf("%s got %v, outside range %s", n.Container, n.IPv4, spec.IPv4Range)
		}
		if !spec.IPv6Subnet.Contains(n.IPv6) {
			t.Errorf("%s got IPv6 %v, outside %s", n.Container, n.IPv6, spec.IPv6Subnet)
		}
	}
}

// Workshops make the network by hand with subnets but no IP range; it is
// reused as long as no container holds an address where the pools are.
func TestEnsureNetworkReusesWorkshopNetworkWithoutRange(t *testing.T) {
	l := newLab(t)
	spec := l.labSpec("noiprange")
	byHand := spec
	byHand.IPv4Range = netip.Prefix{}
	l.createByHand(byHand)
	changed, err := l.cli.EnsureNetwork(l.ctx, spec)
	if err != nil || changed {
		t.Fatalf("EnsureNetwork = %v, %v; want the hand-made network reused", changed, err)
	}
}
