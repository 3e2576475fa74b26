package provider

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation"
)

// IP families, as kind spells them and the definitions derive them.
const (
	IPv4 = "ipv4"
	IPv6 = "ipv6"
	Dual = "dual"
)

// ZoneLabel is the node label that carries Spec.Zone.
const ZoneLabel = "topology.kubernetes.io/zone"

// MinKubernetesMinor is the oldest Kubernetes 1.x that current Linkerd
// accepts; images older than this are refused up front.
const MinKubernetesMinor = 31

// NetworkName returns the Docker network the cluster joins.
func (s Spec) NetworkName() string {
	if s.Network == "" {
		return DefaultNetwork
	}
	return s.Network
}

// PodSubnets returns the pod CIDRs, IPv4 first, as kind and k3s want them.
func (s Spec) PodSubnets() []netip.Prefix { return present(s.PodV4, s.PodV6) }

// ServiceSubnets returns the service CIDRs, IPv4 first.
func (s Spec) ServiceSubnets() []netip.Prefix { return present(s.ServiceV4, s.ServiceV6) }

func present(v4, v6 netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []netip.Prefix{v4, v6} {
		if p.IsValid() {
			out = append(out, p)
		}
	}
	return out
}

// Validate checks the parts of s that every node-creating provider relies
// on, and reports every problem at once.
func (s Spec) Validate() error {
	var errs []error
	if s.Name == "" {
		errs = append(errs, errors.New("cluster name is empty"))
	}
	errs = append(errs, s.checkFamilies()...)
	if s.Zone != "" {
		for _, msg := range validation.IsValidLabelValue(s.Zone) {
			errs = append(errs, fmt.Errorf("zone %q is not a valid label value: %s", s.Zone, msg))
		}
	}
	if err := CheckImageVersion(s.Image); err != nil {
		errs = append(errs, err)
	}
	for _, m := range s.Mirrors {
		if err := m.Check(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s Spec) checkFamilies() []error {
	var want4, want6 bool
	switch s.IPFamily {
	case IPv4:
		want4 = true
	case IPv6:
		want6 = true
	case Dual:
		want4, want6 = true, true
	default:
		return []error{fmt.Errorf("ipFamily %q is not one of ipv4, ipv6, dual", s.IPFamily)}
	}
	var errs []error
	for _, c := range []struct {
		what   string
		p      netip.Prefix
		v4, on bool
	}{
		{"IPv4 pod subnet", s.PodV4, true, want4},
		{"IPv4 service subnet", s.ServiceV4, true, want4},
		{"IPv6 pod subnet", s.PodV6, false, want6},
		{"IPv6 service subnet", s.ServiceV6, false, want6},
	} {
		if err := checkPrefix(c.what, c.p, c.v4, c.on, s.IPFamily); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func checkPrefix(what string, p netip.Prefix, v4, on bool, family string) error {
	switch {
	case !on && p.IsValid():
		return fmt.Errorf("%s %s is set but ipFamily is %s", what, p, family)
	case !on:
		return nil
	case !p.IsValid():
		return fmt.Errorf("%s is missing for ipFamily %s", what, family)
	case v4 && !p.Addr().Is4(), !v4 && !p.Addr().Is6(), p.Addr().Is4In6():
		return fmt.Errorf("%s %s is not an %s prefix", what, p, familyName(v4))
	case p != p.Masked():
		return fmt.Errorf("%s %s has host bits set (did you mean %s?)", what, p, p.Masked())
	}
	return nil
}

// kubeTag finds the Kubernetes version in node image tags such as
// kindest/node:v1.33.1@sha256:..., rancher/k3s:v1.32.5-k3s1.
var kubeTag = regexp.MustCompile(`:v1\.(\d+)(?:\.\d+)?(?:[-+@]|$)`)

// CheckImageVersion refuses node images whose tag names a Kubernetes older
// than 1.MinKubernetesMinor. Images whose tag says nothing about the version
// (custom builds, "latest") are accepted.
func CheckImageVersion(image string) error {
	m := kubeTag.FindStringSubmatch(image)
	if m == nil {
		return nil
	}
	minor, err := strconv.Atoi(m[1])
	if err != nil || minor >= MinKubernetesMinor {
		return nil
	}
	return fmt.Errorf("image %s runs Kubernetes 1.%d, but Linkerd needs 1.%d or newer: choose a newer image", image, minor, MinKubernetesMinor)
}

// KubeVersion is the Kubernetes version a node image's tag names, as
// v1.N.0, or "" when the tag says nothing about it.
func KubeVersion(image string) string {
	m := kubeTag.FindStringSubmatch(image)
	if m == nil {
		return ""
	}
	return "v1." + m[1] + ".0"
}

func familyName(v4 bool) string {
	if v4 {
		return "IPv4"
	}
	return "IPv6"
}
