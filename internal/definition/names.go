package definition

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	// dnsLabelRE is an RFC 1123 label as Kubernetes checks it: the cluster
	// name becomes a host name, a kube context and part of resource names.
	dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// labelValueRE is a Kubernetes label value (without the length limit,
	// checked by the same pattern's {0,61}).
	labelValueRE = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`)
)

const labelValueRules = "use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"

// Longest cluster names, by provider. kind names the node container
// "<name>-control-plane" and uses it as the node's host name, which must
// stay within 63 characters; k3d refuses names over 32 characters because
// it builds host names such as "k3d-<name>-server-0" from them.
const (
	maxKindName  = 63 - len("-control-plane")
	maxK3dName   = 32
	maxLabelName = 63
)

// checkClusterName returns what is wrong with a cluster name, or "".
func checkClusterName(name, provider string) string {
	if name == "" {
		return "empty; give the cluster a name"
	}
	if !dnsLabelRE.MatchString(name) {
		msg := fmt.Sprintf("%q is not a valid cluster name: use lower-case letters, digits and '-', starting and ending with a letter or digit (the name becomes a host name and a kube context)", name)
		if lower := strings.ToLower(name); lower != name && dnsLabelRE.MatchString(lower) {
			msg += fmt.Sprintf("; did you mean %q?", lower)
		}
		return msg
	}
	limit, why := maxLabelName, "the name is used as a DNS label"
	switch provider {
	case ProviderKind:
		limit, why = maxKindName, fmt.Sprintf("kind names the node container %q, which must fit in 63 characters", "<name>-control-plane")
	case ProviderK3d:
		limit, why = maxK3dName, fmt.Sprintf("k3d refuses longer names (it builds host names such as %q from them)", "k3d-<name>-server-0")
	}
	if len(name) > limit {
		return fmt.Sprintf("%q is %d characters long; %s cluster names can have at most %d: %s",
			name, len(name), providerLabel(provider), limit, why)
	}
	return ""
}

func providerLabel(p string) string {
	if isProvider(p) {
		return p
	}
	return "all"
}
