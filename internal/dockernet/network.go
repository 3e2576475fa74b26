package dockernet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
)

// Names and options of the shared network. The option keys are the ones kind
// uses when it creates its network, so a network made by either tool looks
// the same to the other.
const (
	DefaultNetworkName = "kind"
	// NetworkLabel marks networks localcluster created; only those are ever
	// removed by it (when duplicates appear).
	NetworkLabel = "dev.localcluster.network"

	optMasquerade = "com.docker.network.bridge.enable_ip_masquerade"
	optMTU        = "com.docker.network.driver.mtu"
	dockerMTU     = 1500 // the bridge MTU when the option is absent
)

// NetworkSpec is the Docker network a lab needs.
type NetworkSpec struct {
	Name       string
	IPv4Subnet netip.Prefix // zero = none
	// IPv4Range is where Docker may allocate container addresses (zero = the
	// whole subnet). The rest of the subnet is kept for load balancer pools.
	IPv4Range  netip.Prefix
	IPv6Subnet netip.Prefix // zero = no IPv6
	MTU        int          // 0 = Docker's default
	// Labels are put on the network when it is created, besides NetworkLabel.
	Labels map[string]string
}

// DefaultNetwork is the network workshops use. MetalLB pools take
// 192.168.155.<n*16>/28 for n = 1..15, so containers get the low /28.
func DefaultNetwork() NetworkSpec {
	return NetworkSpec{
		Name:       DefaultNetworkName,
		IPv4Subnet: netip.MustParsePrefix("192.168.155.0/24"),
		IPv4Range:  netip.MustParsePrefix("192.168.155.0/28"),
		IPv6Subnet: netip.MustParsePrefix("fc00:f853:ccd:e793::/64"),
		MTU:        1500,
	}
}

// ContainerRange is where Docker may put containers: IPv4Range, or the whole
// IPv4 subnet when no range is set.
func (s NetworkSpec) ContainerRange() netip.Prefix {
	if s.IPv4Range.IsValid() {
		return s.IPv4Range
	}
	return s.IPv4Subnet
}

// Validate reports every problem with the spec.
func (s NetworkSpec) Validate() error {
	var errs []error
	if s.Name == "" {
		errs = append(errs, errors.New("network name is empty"))
	}
	if p := s.IPv4Subnet; p.IsValid() && (!p.Addr().Is4() || p != p.Masked()) {
		errs = append(errs, fmt.Errorf("IPv4 subnet %s is not an IPv4 network address (want e.g. %s)", p, p.Masked()))
	}
	if p := s.IPv4Range; p.IsValid() {
		switch {
		case !s.IPv4Subnet.IsValid():
			errs = append(errs, fmt.Errorf("IPv4 range %s given without an IPv4 subnet", p))
		case p != p.Masked() || !containsPrefix(s.IPv4Subnet, p):
			errs = append(errs, fmt.Errorf("IPv4 range %s is not a network inside subnet %s", p, s.IPv4Subnet))
		}
	}
	if p := s.IPv6Subnet; p.IsValid() && (!p.Addr().Is6() || p.Addr().Is4In6() || p != p.Masked()) {
		errs = append(errs, fmt.Errorf("IPv6 subnet %s is not an IPv6 network address", p))
	}
	if s.MTU < 0 || (s.MTU > 0 && s.MTU < 576) {
		errs = append(errs, fmt.Errorf("MTU %d is too small", s.MTU))
	}
	return errors.Join(errs...)
}

// NetworkCommand is what a person would run to create the network by hand.
func NetworkCommand(spec NetworkSpec) string {
	args := []string{"docker", "network", "create", "--driver", "bridge"}
	if spec.IPv4Subnet.IsValid() {
		args = append(args, "--subnet", spec.IPv4Subnet.String())
		if spec.IPv4Range.IsValid() {
			args = append(args, "--ip-range", spec.IPv4Range.String())
		}
	}
	if spec.IPv6Subnet.IsValid() {
		args = append(args, "--ipv6", "--subnet", spec.IPv6Subnet.String())
	}
	for _, kv := range createOptions(spec) {
		args = append(args, "--opt", kv)
	}
	labels := createLabels(spec)
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		args = append(args, "--label", k+"="+labels[k])
	}
	return strings.Join(append(args, spec.Name), " ")
}

func createOptions(spec NetworkSpec) []string {
	opts := []string{optMasquerade + "=true"}
	if spec.MTU > 0 {
		opts = append(opts, optMTU+"="+strconv.Itoa(spec.MTU))
	}
	return opts
}

func createLabels(spec NetworkSpec) map[string]string {
	labels := map[string]string{NetworkLabel: "true"}
	maps.Copy(labels, spec.Labels)
	return labels
}

// EnsureNetwork creates the network if it is missing and otherwise checks
// that the existing one fits the spec. It returns changed=false when an
// existing network was reused, and a *NetworkMismatchError when it does not
// fit.
func (c *Client) EnsureNetwork(ctx context.Context, spec NetworkSpec) (changed bool, err error) {
	if err := spec.Validate(); err != nil {
		return false, fmt.Errorf("invalid network %q: %w", spec.Name, err)
	}
	c.netMu.Lock()
	defer c.netMu.Unlock()

	existing, err := c.networkNamed(ctx, spec.Name)
	if err != nil {
		return false, err
	}
	if existing == nil {
		createErr := c.createNetwork(ctx, spec)
		// Another process may have created it meanwhile; look again either way.
		existing, err = c.awaitNetwork(ctx, spec.Name, inFlight(createErr))
		if err != nil {
			return false, err
		}
		if existing == nil {
			if createErr == nil {
				createErr = errors.New("network vanished right after it was created")
			}
			return false, createErr
		}
		changed = createErr == nil
	}
	if problems := networkDiffs(spec, *existing); len(problems) > 0 {
		return false, &NetworkMismatchError{
			Spec:       spec,
			Problems:   problems,
			Containers: attachedNames(*existing),
		}
	}
	return changed, nil
}

func (c *Client) createNetwork(ctx context.Context, spec NetworkSpec) error {
	ipam := &network.IPAM{Driver: "default"}
	if spec.IPv4Subnet.IsValid() {
		cfg := network.IPAMConfig{Subnet: spec.IPv4Subnet.String()}
		if spec.IPv4Range.IsValid() {
			cfg.IPRange = spec.IPv4Range.String()
		}
		ipam.Config = append(ipam.Config, cfg)
	}
	opts := network.CreateOptions{
		Driver:  "bridge",
		IPAM:    ipam,
		Options: map[string]string{},
		Labels:  createLabels(spec),
	}
	if spec.IPv6Subnet.IsValid() {
		ipam.Config = append(ipam.Config, network.IPAMConfig{Subnet: spec.IPv6Subnet.String()})
		opts.EnableIPv6 = ptr(true)
	}
	for _, kv := range createOptions(spec) {
		k, v, _ := strings.Cut(kv, "=")
		opts.Options[k] = v
	}
	_, err := c.api.NetworkCreate(ctx, spec.Name, opts)
	if err == nil {
		return nil
	}
	if isPoolOverlap(err) {
		return c.subnetInUse(ctx, spec, err)
	}
	return fmt.Errorf("creating Docker network %q (%s): %w", spec.Name, NetworkCommand(spec), err)
}

// awaitNetwork looks the network up, for a while if wait is set: a network
// another process is creating holds its subnet before it is listed.
func (c *Client) awaitNetwork(ctx context.Context, name string, wait bool) (*network.Inspect, error) {
	for delay := 50 * time.Millisecond; ; delay *= 2 {
		n, err := c.networkNamed(ctx, name)
		if err != nil || n != nil || !wait || delay > 2*time.Second {
			return n, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// inFlight tells creation errors that may mean someone else is creating the
// same network right now.
func inFlight(err error) bool {
	var inUse *SubnetInUseError
	if errors.As(err, &inUse) {
		return len(inUse.Others) == 0
	}
	return err != nil && strings.Contains(err.Error(), "already exists")
}

func isPoolOverlap(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Pool overlaps") || strings.Contains(msg, "overlapping")
}

// networkNamed returns the one network with exactly this name, or nil. When
// parallel creations left duplicates, it removes the empty duplicates that
// localcluster made and refuses if others remain.
func (c *Client) networkNamed(ctx context.Context, name string) (*network.Inspect, error) {
	list, err := c.api.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
	if err != nil {
		return nil, fmt.Errorf("listing Docker networks: %w", err)
	}
	var found []network.Inspect
	for _, n := range list {
		if n.Name != name { // the filter matches substrings
			continue
		}
		full, err := c.api.NetworkInspect(ctx, n.ID, network.InspectOptions{})
		if err != nil {
			return nil, fmt.Errorf("inspecting Docker network %q: %w", name, err)
		}
		found = append(found, full)
	}
	if len(found) == 0 {
		return nil, nil
	}
	// Keep the network in use, then the oldest; drop only our own empty extras.
	slices.SortFunc(found, func(a, b network.Inspect) int {
		return cmp.Or(
			cmp.Compare(len(b.Containers), len(a.Containers)),
			a.Created.Compare(b.Created),
			cmp.Compare(a.ID, b.ID))
	})
	var ambiguous []string
	for _, extra := range found[1:] {
		if extra.Labels[NetworkLabel] != "true" || len(extra.Containers) > 0 {
			ambiguous = append(ambiguous, extra.ID[:12])
			continue
		}
		if err := c.api.NetworkRemove(ctx, extra.ID); err != nil {
			return nil, fmt.Errorf("removing duplicate Docker network %q (%s): %w", name, extra.ID[:12], err)
		}
	}
	if len(ambiguous) > 0 {
		return nil, fmt.Errorf("docker network name %q is ambiguous: networks %s and %s share it; remove the ones not in use with docker network rm <id>",
			name, found[0].ID[:12], strings.Join(ambiguous, ", "))
	}
	return &found[0], nil
}

func attachedNames(n network.Inspect) []string {
	var names []string
	for _, e := range n.Containers {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	return names
}

func containsPrefix(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

func ptr[T any](v T) *T { return &v }
