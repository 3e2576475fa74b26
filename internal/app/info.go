package app

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/dockernet"
)

// InfoOptions are the flags of info.
type InfoOptions struct {
	Output string
}

// ClusterInfo is what info reports about one cluster.
type ClusterInfo struct {
	Name       string    `json:"name"`
	Provider   string    `json:"provider"`
	Group      string    `json:"group,omitempty"`
	Zone       string    `json:"zone,omitempty"`
	Subnet     string    `json:"subnet,omitempty"`
	SubnetAuto bool      `json:"subnetAuto,omitempty"`
	IPFamily   string    `json:"ipFamily"`
	Pods       []string  `json:"podCIDRs,omitempty"`
	Services   []string  `json:"serviceCIDRs,omitempty"`
	LBPools    []string  `json:"lbPools,omitempty"`
	Context    string    `json:"context"`
	File       string    `json:"file"`
	Nodes      []NodeRef `json:"nodes,omitempty"`
	// External is true for a cluster the lab uses but does not manage.
	External bool `json:"-"`
}

// NodeRef is a cluster's node container as Docker reports it.
type NodeRef struct {
	Container string `json:"container"`
	State     string `json:"state"`
	IPv4      string `json:"ipv4,omitempty"`
	IPv6      string `json:"ipv6,omitempty"`
	// HostAPI is where this machine reaches the API server through the
	// port the node publishes, for when the node address does not answer
	// from here (Docker Desktop for Mac).
	HostAPI string `json:"hostAPI,omitempty"`
}

func newInfoCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	o := &InfoOptions{}
	cmd := &cobra.Command{
		Use:   "info DIRS [NAME...]",
		Short: "Show each cluster's addresses, and its node from Docker",
		Long: `Show each cluster's provider, group, zone, pod and service ranges and
LoadBalancer pools from the address plan, and its node container's state and
addresses when Docker can tell. Works without Docker.`,
		Example: `  localcluster info clusters cdn
  localcluster info clusters -o json`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(o.Output); err != nil {
				return err
			}
			a, err := parseLabArgs("info", args)
			if err != nil {
				return err
			}
			return runInfo(cmd.Context(), streams, g, o, a)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "table", "output format: table, json or yaml")
	return cmd
}

func runInfo(ctx context.Context, streams Streams, g *GlobalOptions, o *InfoOptions, a labArgs) error {
	l, err := loadLab(streams, g, a)
	if err != nil {
		return err
	}
	defer l.Close()
	nodes, err := dockerNodes(ctx, l.Plan.Network.Name)
	if err != nil {
		fmt.Fprintf(streams.ErrOut, "note: node addresses unknown: %v\n", err)
	}
	var infos []ClusterInfo
	for _, d := range l.Selected {
		infos = append(infos, clusterInfo(l, l.Plan.Cluster(d.Name), nodes))
	}
	if o.Output != "table" {
		return writeStructured(streams.Out, o.Output, infos)
	}
	return infoTable(streams.Out, l.Plan.Network, infos)
}

// dockerNodes asks Docker for the lab's nodes, briefly: info must answer
// even when Docker is down.
func dockerNodes(ctx context.Context, network string) ([]dockernet.Node, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	d, err := dockernet.New(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = d.Close() }()
	return d.Nodes(ctx, network)
}

func clusterInfo(l *loadedLab, c *addrplan.Cluster, nodes []dockernet.Node) ClusterInfo {
	info := ClusterInfo{
		Name: c.Name, Provider: c.Def.Provider, Group: c.Def.Group, Zone: c.Def.Zone,
		IPFamily: c.IPFamily, Context: c.Name, File: c.Def.File,
		Pods:     prefixes(c.PodV4, c.PodV6),
		Services: prefixes(c.ServiceV4, c.ServiceV6),
		LBPools:  prefixes(c.LBPools()...),
	}
	if c.HasRanges() {
		info.Subnet, info.SubnetAuto = c.Subnet.String(), c.AutoSubnet
	}
	if !l.Env.Managed(c) {
		info.Context, info.External = c.Def.Context, true
	}
	for _, n := range nodes {
		if n.Cluster == c.Name && n.RunsPods() {
			ref := NodeRef{Container: n.Container, State: n.State}
			if n.IPv4.IsValid() {
				ref.IPv4 = n.IPv4.String()
			}
			if n.IPv6.IsValid() {
				ref.IPv6 = n.IPv6.String()
			}
			if n.HostAPI.IsValid() {
				ref.HostAPI = n.HostAPI.String()
			}
			info.Nodes = append(info.Nodes, ref)
		}
	}
	return info
}

func prefixes(ps ...netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		if p.IsValid() {
			out = append(out, p.String())
		}
	}
	return out
}

func infoTable(w io.Writer, n addrplan.Network, infos []ClusterInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPROVIDER\tGROUP\tZONE\tSUBNET\tPODS\tSERVICES\tLB POOLS\tNODE\tADDRESS\tHOST API\tSTATE")
	for _, c := range infos {
		subnet := dash(c.Subnet)
		if c.SubnetAuto {
			subnet += " (auto)"
		}
		node, addr, host, state := "-", "-", "-", "not created"
		if c.External {
			state = "external (context " + c.Context + ")"
		}
		for _, ref := range c.Nodes {
			node, addr, host, state = ref.Container, dash(strings.Trim(ref.IPv4+","+ref.IPv6, ",")), dash(ref.HostAPI), ref.State
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Provider, dash(c.Group), dash(c.Zone), subnet,
			list(c.Pods), list(c.Services), list(c.LBPools), node, addr, host, state)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nDocker network %q: %s, containers from %s, %s\n", n.Name,
		addrplan.String(n.IPv4Subnet), addrplan.String(n.IPv4Range), addrplan.String(n.IPv6Subnet))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func list(items []string) string { return dash(strings.Join(items, ",")) }
