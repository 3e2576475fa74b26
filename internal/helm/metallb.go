package helm

import (
	"time"

	"github.com/localcluster/localcluster/charts"
)

// MetalLB's chart, pinned.
const (
	MetalLBRepo      = "https://metallb.github.io/metallb"
	MetalLBVersion   = "0.16.1"
	MetalLBNamespace = "metallb-system"
)

// MetalLBChart is MetalLB's published chart at the pinned version.
func MetalLBChart() Chart {
	return Chart{Repo: MetalLBRepo, Name: "metallb", Version: MetalLBVersion}
}

// MetalLBRelease installs MetalLB in layer-2 mode. It waits for MetalLB to be
// ready because its webhook must answer before an address pool can be
// created (LBPoolRelease).
func MetalLBRelease() Release {
	return Release{
		Name:            "metallb",
		Namespace:       MetalLBNamespace,
		Chart:           MetalLBChart(),
		CreateNamespace: true,
		Wait:            true,
		Timeout:         5 * time.Minute,
		Values: map[string]any{
			// frr-k8s is the chart's default BGP backend since 0.16; a lab
			// announces addresses over layer 2 only, as MetalLB's native
			// manifests did for the old script, and needs no extra images.
			"frrk8s": map[string]any{"enabled": false},
		},
	}
}

// LBPoolRelease installs localcluster's own lb-pool chart (embedded in the
// binary): an IPAddressPool named "localcluster" with the given ranges (CIDR
// prefixes or first-last ranges, IPv4 and/or IPv6) and an L2Advertisement
// for it, in MetalLB's namespace. At least one range is needed.
func LBPoolRelease(pools []string) Release {
	list := make([]any, len(pools))
	for i, p := range pools {
		list[i] = p
	}
	return Release{
		Name:      charts.LBPool,
		Namespace: MetalLBNamespace,
		Chart:     Chart{Repo: EmbeddedRepo, Name: charts.LBPool},
		Values:    map[string]any{"pools": list},
	}
}
