package k3d

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/k3d-io/k3d/v5/pkg/client"
	k3dconfig "github.com/k3d-io/k3d/v5/pkg/config"
	conftypes "github.com/k3d-io/k3d/v5/pkg/config/types"
	"github.com/k3d-io/k3d/v5/pkg/config/v1alpha5"
	"github.com/spf13/viper"
	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/localcluster/localcluster/internal/provider"
)

// DefaultImage is the k3s image k3d v5.9.0 defaults to when used as a
// library (github.com/k3d-io/k3d/v5/version.K3sVersion, with k3d's image
// repository): Kubernetes 1.32.5, new enough for Linkerd. k3d's release
// binaries replace that default at build time with whatever k3s was stable
// then; it is written into every config so the printed command creates the
// same cluster whichever k3d runs it.
const DefaultImage = "docker.io/rancher/k3s:v1.32.5-k3s1"

// allServers is the node filter for every server node. The lab runs one
// server, but k3d insists on a filter once a cluster has several nodes.
func allServers() []string { return []string{"server:*"} }

// Config renders the k3d v1alpha5 SimpleConfig for s, checked against
// k3d's own JSON schema and cluster name rule.
func (p *Provider) Config(s provider.Spec) ([]byte, error) {
	raw, err := render(s)
	if err != nil {
		return nil, fmt.Errorf("k3d config for %s: %w", s.Name, err)
	}
	return raw, nil
}

func render(s provider.Spec) ([]byte, error) {
	if err := errors.Join(s.Validate(), client.CheckName(s.Name)); err != nil {
		return nil, err
	}
	raw, err := encode(build(s))
	if err != nil {
		return nil, err
	}
	if err := validateSchema(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// build makes the SimpleConfig: one server on the lab network, the address
// plan's CIDRs, no traefik or metrics-server, the zone as a k3s node label.
//
// The server load balancer (k3d's nginx "serverlb" container in front of
// the API servers) is disabled: with one server it only forwards the API
// port, the lab reaches the API at the node's own address, LoadBalancer
// Services are served by k3s's own servicelb on the node, and one container
// less on the shared network is one address less that can collide with the
// MetalLB pools carved from it. It also spares pulling k3d's proxy image.
func build(s provider.Spec) v1alpha5.SimpleConfig {
	image := s.Image
	if image == "" {
		image = DefaultImage
	}
	args := []v1alpha5.K3sArgWithNodeFilters{
		{Arg: "--cluster-cidr=" + joinPrefixes(s.PodSubnets()), NodeFilters: allServers()},
		{Arg: "--service-cidr=" + joinPrefixes(s.ServiceSubnets()), NodeFilters: allServers()},
		{Arg: "--disable=traefik", NodeFilters: allServers()},
		{Arg: "--disable=metrics-server", NodeFilters: allServers()},
	}
	var registries v1alpha5.SimpleConfigRegistries
	if len(s.Mirrors) > 0 {
		registries.Config = RegistriesYAML(s.Mirrors)
	}
	var labels []v1alpha5.LabelWithNodeFilters
	if s.Zone != "" {
		labels = append(labels, v1alpha5.LabelWithNodeFilters{Label: provider.ZoneLabel + "=" + s.Zone, NodeFilters: allServers()})
	}
	return v1alpha5.SimpleConfig{
		TypeMeta:   conftypes.TypeMeta{Kind: "Simple", APIVersion: v1alpha5.ApiVersion},
		ObjectMeta: conftypes.ObjectMeta{Name: s.Name},
		Servers:    1,
		Image:      image,
		Network:    s.NetworkName(),
		Registries: registries,
		Options: v1alpha5.SimpleConfigOptions{
			K3dOptions: v1alpha5.SimpleConfigOptionsK3d{Wait: true, DisableLoadbalancer: true},
			K3sOptions: v1alpha5.SimpleConfigOptionsK3s{ExtraArgs: args, NodeLabels: labels},
			// Never touch the user's kubeconfig: localcluster merges it.
			KubeconfigOptions: v1alpha5.SimpleConfigOptionsKubeconfig{UpdateDefaultKubeconfig: false, SwitchCurrentContext: false},
		},
	}
}

func joinPrefixes(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// encode writes sc as YAML in the field order of k3d's types. It goes
// through k3d's JSON tags, then fixes what those tags get wrong for a file
// the k3d CLI reads: they omit the kubeconfig options when false (whose CLI
// defaults are true), spell hostPidMode "HostPidMode", and emit empty
// objects for every unset section.
func encode(sc v1alpha5.SimpleConfig) ([]byte, error) {
	js, err := json.Marshal(sc)
	if err != nil {
		return nil, fmt.Errorf("encode k3d config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("encode k3d config: %w", err)
	}
	root := doc.Content[0]
	options := lookup(root, "options")
	if rt := lookup(options, "runtime"); rt != nil {
		if v := lookup(rt, "HostPidMode"); v != nil && v.Value == "false" {
			remove(rt, "HostPidMode")
		}
	}
	kc := lookup(options, "kubeconfig")
	if kc == nil {
		return nil, errors.New("encode k3d config: k3d's types no longer carry options.kubeconfig")
	}
	set(kc, "updateDefaultKubeconfig", boolNode(sc.Options.KubeconfigOptions.UpdateDefaultKubeconfig))
	set(kc, "switchCurrentContext", boolNode(sc.Options.KubeconfigOptions.SwitchCurrentContext))
	pruneEmpty(root)
	blockStyle(root)

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encode k3d config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode k3d config: %w", err)
	}
	return buf.Bytes(), nil
}

// validateSchema checks raw against the JSON schema k3d validates config
// files with (the same call the k3d CLI makes on --config).
func validateSchema(raw []byte) error {
	js, err := sigsyaml.YAMLToJSON(raw)
	if err != nil {
		return fmt.Errorf("k3d config is not YAML: %w", err)
	}
	var tm conftypes.TypeMeta
	if err := json.Unmarshal(js, &tm); err != nil {
		return fmt.Errorf("k3d config: %w", err)
	}
	schema, err := k3dconfig.GetSchemaByVersion(tm.APIVersion)
	if err != nil {
		return fmt.Errorf("k3d config: %w", err)
	}
	if err := k3dconfig.ValidateSchemaJSON(js, schema); err != nil {
		return fmt.Errorf("k3d config fails k3d's schema:\n%w", err)
	}
	return nil
}

// parse reads a config the way `k3d cluster create --config` does: schema
// check, then viper and k3d's own decoding (which also migrates older
// apiVersions to v1alpha5).
func parse(raw []byte) (v1alpha5.SimpleConfig, error) {
	if err := validateSchema(raw); err != nil {
		return v1alpha5.SimpleConfig{}, err
	}
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(raw)); err != nil {
		return v1alpha5.SimpleConfig{}, fmt.Errorf("read k3d config: %w", err)
	}
	sc, err := k3dconfig.SimpleConfigFromViper(v)
	if err != nil {
		return v1alpha5.SimpleConfig{}, fmt.Errorf("read k3d config: %w", err)
	}
	return sc, nil
}

// lookup returns the value of key in mapping m, or nil.
func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func remove(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

func set(m *yaml.Node, key string, val *yaml.Node) {
	if v := lookup(m, key); v != nil {
		*v = *val
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(b)}
}

// pruneEmpty drops mapping entries whose value is an empty mapping, after
// pruning inside it, and reports whether n itself ended up empty.
func pruneEmpty(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	kept := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.MappingNode && pruneEmpty(v) {
			continue
		}
		kept = append(kept, k, v)
	}
	n.Content = kept
	return len(n.Content) == 0
}

// blockStyle undoes the JSON styles (flow collections, quoted strings) the
// decoder recorded, so the encoder writes plain block YAML and quotes only
// where YAML needs it.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
