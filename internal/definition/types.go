package definition

import "net/netip"

// The kinds and API version the definition files declare.
const (
	APIVersion  = "sma.buoyant.io/v1alpha1"
	ClusterKind = "SMA-cluster"
	LabKind     = "SMA-lab"
)

// File names the loader looks for.
const (
	ClusterFileName  = "sma.yaml"
	MCValuesFileName = "mc-values.yaml"
	LabFileName      = "lab.yaml"
)

// Providers a cluster can name in spec.provider.
const (
	ProviderKind     = "kind"
	ProviderK3d      = "k3d"
	ProviderExternal = "external"
)

// providers lists the valid spec.provider values, in the order messages
// list them.
var providers = []string{ProviderKind, ProviderK3d, ProviderExternal}

// Cluster is one cluster of the lab, as defined by its sma.yaml.
type Cluster struct {
	Name string `json:"name"`
	// Dir is the directory holding sma.yaml as found: relative when the
	// directory given on the command line was relative.
	Dir  string `json:"dir"`
	File string `json:"file"` // path of sma.yaml

	// Subnet is nil when the file has none; the address plan assigns one.
	Subnet *SubnetID `json:"subnet,omitempty"`
	// V4 and V6 are spec.v4Enabled (default true) and spec.v6Enabled
	// (default false).
	V4 bool `json:"v4"`
	V6 bool `json:"v6"`

	Provider string `json:"provider"` // ProviderKind, ProviderK3d or ProviderExternal
	Group    string `json:"group,omitempty"`
	Zone     string `json:"zone,omitempty"`
	Image    string `json:"image,omitempty"` // node image override; kind and k3d only
	// Context is the kube context of an external cluster (external only).
	Context string `json:"context,omitempty"`
	// Kubeconfig is the kubeconfig file of an external cluster, with "~/"
	// expanded and a relative path joined to Dir; empty means the default.
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// GatewayLinks names the clusters this one links to through their
	// gateways: their services appear in this cluster.
	GatewayLinks []string `json:"gatewayLinks,omitempty"`

	// MCValues holds mc-values.yaml: extra values for the multicluster
	// extension. It is nil when there is no such file, and empty (not
	// nil) when the file has no values.
	MCValues     map[string]any `json:"mcValues,omitempty"`
	MCValuesFile string         `json:"mcValuesFile,omitempty"`

	// Pos is where each field is in File, by dotted path: "metadata.name",
	// "spec.subnet", "spec.gatewayLinks", "spec.gatewayLinks[1]", ... It
	// holds the position of the value, and only fields present in the file.
	Pos map[string]Pos `json:"-"`
}

// Lab is every cluster found in the given directories plus the lab-wide
// settings.
type Lab struct {
	Clusters []*Cluster `json:"clusters"` // sorted by name
	// Settings come from lab.yaml; zero fields mean "use the default",
	// which the packages that use them apply.
	Settings Settings `json:"settings"`
	// SettingsFile is the first lab.yaml read, "" when there is none. When
	// several given directories have one, they agree (Load checks), and
	// SettingsPos says which file set each field.
	SettingsFile string `json:"settingsFile,omitempty"`
	// SettingsPos is where each settings field is, keyed like Cluster.Pos
	// ("spec.network.ipv4Subnet", "spec.linkerd.version", ...).
	SettingsPos map[string]Pos `json:"-"`
}

// Settings are the lab-wide settings of lab.yaml's spec. Every field is
// optional; a zero value means the default.
type Settings struct {
	Network NetworkSettings `yaml:"network" json:"network,omitzero"`
	Linkerd LinkerdSettings `yaml:"linkerd" json:"linkerd,omitzero"`
	MetalLB MetalLBSettings `yaml:"metallb" json:"metallb,omitzero"`
	Cache   CacheSettings   `yaml:"cache" json:"cache,omitzero"`
}

// NetworkSettings describe the Docker network every cluster joins. Prefixes
// are parsed and checked when loading; an invalid (zero) netip.Prefix means
// "not set".
type NetworkSettings struct {
	Name       string       `yaml:"name" json:"name,omitempty"`
	IPv4Subnet netip.Prefix `yaml:"ipv4Subnet" json:"ipv4Subnet,omitzero"`
	IPv4Range  netip.Prefix `yaml:"ipv4Range" json:"ipv4Range,omitzero"`
	IPv6Subnet netip.Prefix `yaml:"ipv6Subnet" json:"ipv6Subnet,omitzero"`
	MTU        int          `yaml:"mtu" json:"mtu,omitempty"`
}

// LinkerdSettings say where Linkerd's charts come from.
type LinkerdSettings struct {
	// Repo is an http(s):// or oci:// chart repository, or a local path
	// that exists: "~/" is expanded and a relative path is joined to
	// lab.yaml's directory. IsRemoteRepo tells the two apart.
	Repo    string        `yaml:"repo" json:"repo,omitempty"`
	Version string        `yaml:"version" json:"version,omitempty"`
	Charts  LinkerdCharts `yaml:"charts" json:"charts,omitzero"`
	Values  LinkerdValues `yaml:"values" json:"values,omitzero"`
}

// LinkerdCharts are the chart names in Repo (Buoyant Enterprise for Linkerd
// uses other names).
type LinkerdCharts struct {
	CRDs         string `yaml:"crds" json:"crds,omitempty"`
	ControlPlane string `yaml:"controlPlane" json:"controlPlane,omitempty"`
	Multicluster string `yaml:"multicluster" json:"multicluster,omitempty"`
}

// LinkerdValues are extra Helm values per chart.
type LinkerdValues struct {
	CRDs         map[string]any `yaml:"crds" json:"crds,omitempty"`
	ControlPlane map[string]any `yaml:"controlPlane" json:"controlPlane,omitempty"`
	Multicluster map[string]any `yaml:"multicluster" json:"multicluster,omitempty"`
}

// MetalLBSettings say where the MetalLB chart comes from. Repo follows the
// same rules as LinkerdSettings.Repo.
type MetalLBSettings struct {
	Repo    string `yaml:"repo" json:"repo,omitempty"`
	Version string `yaml:"version" json:"version,omitempty"`
}
