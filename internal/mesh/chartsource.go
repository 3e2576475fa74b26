package mesh

// Linkerd's edge Helm repository and the chart version the tool installs by
// default. Edge release edge-YY.M.N is published as chart version YYYY.M.N
// (bin/compute-edge-version in linkerd2).
const (
	EdgeRepo           = "https://helm.linkerd.io/edge"
	DefaultEdgeVersion = "2026.8.3" // edge-26.8.3
)

// ChartSource says where the three Linkerd charts come from. Buoyant
// Enterprise for Linkerd, for one, publishes them under other names in
// another repository and needs a license value, which ExtraValues carries.
type ChartSource struct {
	Repo    string // https URL, oci:// reference or local directory, as package helm takes it
	Version string // chart version; empty means the newest

	CRDs         string // chart installing Linkerd's CRDs (and optionally Gateway API's)
	ControlPlane string // the control plane chart
	Multicluster string // the multicluster extension chart

	// ExtraValues are merged over the values this package computes, per
	// chart, keyed by chart name (the value of CRDs, ControlPlane or
	// Multicluster). A cluster's mc-values.yaml is merged over these.
	ExtraValues map[string]map[string]any
	// SecretValues lists, per chart name, the dotted paths of ExtraValues
	// that must not be printed (a license key, say).
	SecretValues map[string][]string
}

// DefaultChartSource is Linkerd's edge repository at DefaultEdgeVersion.
func DefaultChartSource() ChartSource {
	return ChartSource{
		Repo:         EdgeRepo,
		Version:      DefaultEdgeVersion,
		CRDs:         "linkerd-crds",
		ControlPlane: "linkerd-control-plane",
		Multicluster: "linkerd-multicluster",
	}
}
