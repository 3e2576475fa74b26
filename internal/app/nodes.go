package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/shell"
)

// NodeMissingError says that node containers of clusters a command works on
// were stopped or removed behind localcluster's back.
type NodeMissingError struct{ Problems []string }

func (e *NodeMissingError) Error() string {
	return "nothing was done: " + strings.Join(e.Problems, "\n")
}

// checkNodes makes sure, before a command that works inside existing
// clusters (linkerd, links, routes, load balancers) runs any step, that the
// node containers of the clusters its steps act on exist and run. A node
// stopped or removed behind localcluster's back would otherwise show up as
// an API server that does not answer, after long timeouts; this says which
// cluster, which container, what happened and the command that fixes it.
// Clusters not made here (external ones) have no node to check. When Docker
// cannot be reached the steps say so themselves.
func checkNodes(ctx context.Context, l *loadedLab, p *plan.Plan, dirs string) error {
	clusters := planClusters(l, p)
	if len(clusters) == 0 {
		return nil
	}
	d, err := l.Env.DockerClient(ctx)
	if err != nil {
		return nil
	}
	nodes, err := d.Nodes(ctx, l.Plan.Network.Name)
	if err != nil {
		return nil
	}
	var problems []string
	for _, c := range clusters {
		problems = append(problems, nodeProblems(c.Name, l.Plan.Network.Name, nodes, dirs)...)
	}
	if len(problems) == 0 {
		return nil
	}
	return &NodeMissingError{Problems: problems}
}

// planClusters are the lab's own clusters that p's steps act on, or the
// selected ones when no step names a cluster.
func planClusters(l *loadedLab, p *plan.Plan) []*addrplan.Cluster {
	var names []string
	for _, s := range p.Steps() {
		if s.Cluster != "" {
			names = append(names, s.Cluster)
		}
	}
	if len(names) == 0 {
		for _, c := range l.Selected {
			names = append(names, c.Name)
		}
	}
	var out []*addrplan.Cluster
	for _, c := range l.Plan.Clusters {
		if slices.Contains(names, c.Name) && l.Env.Managed(c) {
			out = append(out, c)
		}
	}
	return out
}

func nodeProblems(cluster, network string, nodes []dockernet.Node, dirs string) []string {
	var mine []dockernet.Node
	for _, n := range nodes {
		if n.Cluster == cluster && n.RunsPods() {
			mine = append(mine, n)
		}
	}
	fix := func(verb string) string { return shell.Join("localcluster", verb, dirs, cluster) }
	if len(mine) == 0 {
		return []string{fmt.Sprintf("cluster %s has no node container on Docker network %q (it was removed, or never created); create it: %s",
			cluster, network, fix("create"))}
	}
	var out []string
	for _, n := range mine {
		if !n.Running {
			out = append(out, fmt.Sprintf("cluster %s: node container %s is %s (stopped outside localcluster); start it: %s",
				cluster, n.Container, n.State, fix("start")))
		}
	}
	return out
}
