package kind

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/localcluster/localcluster/internal/provider"
)

// DefaultImage is the node image kind v0.33.0 uses by default
// (sigs.k8s.io/kind/pkg/apis/config/defaults.Image): Kubernetes 1.37.0,
// pinned by digest as kind pins it. It is written into every config so the
// printed command creates the same cluster whichever kind runs it.
const DefaultImage = "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"

const (
	apiVersion = "kind.x-k8s.io/v1alpha4"
	kindName   = "Cluster"
)

// Config renders the kind v1alpha4 Cluster for s.
func (p *Provider) Config(s provider.Spec) ([]byte, error) {
	cfg, err := build(s)
	if err != nil {
		return nil, fmt.Errorf("kind config for %s: %w", s.Name, err)
	}
	return encode(cfg)
}

// build makes the one-node cluster config for s and checks it.
func build(s provider.Spec) (*v1alpha4.Cluster, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	image := s.Image
	if image == "" {
		image = DefaultImage
	}
	node := v1alpha4.Node{Role: v1alpha4.ControlPlaneRole, Image: image}
	if s.Zone != "" {
		node.Labels = map[string]string{provider.ZoneLabel: s.Zone}
	}
	cfg := &v1alpha4.Cluster{
		TypeMeta: v1alpha4.TypeMeta{Kind: kindName, APIVersion: apiVersion},
		Name:     s.Name,
		Nodes:    []v1alpha4.Node{node},
		Networking: v1alpha4.Networking{
			IPFamily:      v1alpha4.ClusterIPFamily(s.IPFamily),
			PodSubnet:     joinPrefixes(s.PodSubnets()),
			ServiceSubnet: joinPrefixes(s.ServiceSubnets()),
		},
	}
	if len(s.Mirrors) > 0 {
		// The mirrors themselves go into HostsDir once the node runs.
		cfg.ContainerdConfigPatches = []string{configPathPatch}
	}
	if err := validate(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func joinPrefixes(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func encode(cfg *v1alpha4.Cluster) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		return nil, fmt.Errorf("encode kind config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode kind config: %w", err)
	}
	return buf.Bytes(), nil
}

// parse reads a config the way kind's own loader does (strictly, with the
// same YAML library), so that what Config prints is what kind accepts.
func parse(raw []byte) (*v1alpha4.Cluster, error) {
	cfg := &v1alpha4.Cluster{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, fmt.Errorf("decode kind config: %w", err)
	}
	if cfg.APIVersion != apiVersion || cfg.Kind != kindName {
		return nil, fmt.Errorf("decode kind config: want %s %s, got %q %q", apiVersion, kindName, cfg.APIVersion, cfg.Kind)
	}
	return cfg, nil
}

// kind's name rule (sigs.k8s.io/kind/pkg/internal/apis/config/validate.go).
var validName = regexp.MustCompile(`^[a-z0-9.-]+$`)

// validate applies kind's defaulting (public: v1alpha4.SetDefaultsCluster)
// to a copy of cfg and then the rules of kind's own validation, which lives
// in kind's internal packages and cannot be called from here. Only the
// rules that can fail for the fields this package sets are repeated; kind
// checks everything again when it creates the cluster.
func validate(cfg *v1alpha4.Cluster) error {
	c := cfg.DeepCopy()
	v1alpha4.SetDefaultsCluster(c)
	var errs []error
	if !validName.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("%q is not a valid kind cluster name: it must match %s", c.Name, validName))
	}
	fam := c.Networking.IPFamily
	switch fam {
	case v1alpha4.IPv4Family, v1alpha4.IPv6Family, v1alpha4.DualStackFamily:
		if err := validateSubnets(c.Networking.PodSubnet, fam); err != nil {
			errs = append(errs, fmt.Errorf("invalid pod subnet: %w", err))
		}
		if err := validateSubnets(c.Networking.ServiceSubnet, fam); err != nil {
			errs = append(errs, fmt.Errorf("invalid service subnet: %w", err))
		}
	default:
		errs = append(errs, fmt.Errorf("invalid ipFamily: %s", fam))
	}
	controlPlanes := 0
	for i, n := range c.Nodes {
		switch n.Role {
		case v1alpha4.ControlPlaneRole:
			controlPlanes++
		case v1alpha4.WorkerRole:
		default:
			errs = append(errs, fmt.Errorf("node %d: %q is not a valid node role", i, n.Role))
		}
		if n.Image == "" {
			errs = append(errs, fmt.Errorf("node %d: image is a required field", i))
		}
	}
	if controlPlanes == 0 {
		errs = append(errs, errors.New("must have at least one control-plane node"))
	}
	return errors.Join(errs...)
}

// validateSubnets applies kind's rule (one CIDR of the family for single
// stack), stricter for dual stack: kind also accepts a single CIDR there, the
// lab always wants one of each family.
func validateSubnets(list string, fam v1alpha4.ClusterIPFamily) error {
	var v4, v6 int
	for _, s := range strings.Split(list, ",") {
		ip, _, err := net.ParseCIDR(s)
		if err != nil {
			return fmt.Errorf("failed to parse cidr value %q: %w", s, err)
		}
		if ip.To4() != nil {
			v4++
		} else {
			v6++
		}
	}
	switch {
	case fam == v1alpha4.DualStackFamily && (v4 != 1 || v6 != 1):
		return errors.New("expected one IPv4 and one IPv6 CIDR for dual-stack networking")
	case fam == v1alpha4.IPv4Family && (v4 != 1 || v6 != 0):
		return errors.New("expected one IPv4 CIDR for IPv4 family")
	case fam == v1alpha4.IPv6Family && (v6 != 1 || v4 != 0):
		return errors.New("expected one IPv6 CIDR for IPv6 family")
	}
	return nil
}
