package health

import (
	"context"
	"fmt"
	"strings"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/workflow"
)

// checkCluster runs the checks of one cluster, in the order a reader
// follows: Docker, kube context, API server, routes, load balancer,
// certificates, Linkerd, mirrored services.
func checkCluster(ctx context.Context, o *Options, s *clusterState, states map[string]*clusterState, d dockerView, anchor anchorFile) ClusterReport {
	c := s.plan
	rep := ClusterReport{Name: c.Name, Provider: c.Def.Provider, Group: c.Def.Group, Address: s.peerURL}
	if s.node != nil {
		rep.Node = s.node.Container
	}
	rep.Checks = []Check{
		nodeCheck(o, s),
		contextCheck(o, s),
		apiCheck(o, s),
		routesCheck(ctx, o, s, states, d),
		lbCheck(ctx, o, s),
		issuerCheck(ctx, o, s, anchor),
		trustAnchorCheck(ctx, o, s, anchor),
		linkerdCheck(ctx, o, s),
		orphansCheck(ctx, o, s),
	}
	return rep
}

// Check names, stable for scripts.
const (
	CheckNode        = "node"
	CheckContext     = "context"
	CheckAPI         = "api"
	CheckRoutes      = "routes"
	CheckLB          = "loadbalancer"
	CheckIssuer      = "issuer"
	CheckTrustAnchor = "trust-anchor"
	CheckLinkerd     = "linkerd"
	CheckOrphans     = "orphaned-mirrors"
)

func nodeCheck(o *Options, s *clusterState) Check {
	ch := Check{Name: CheckNode}
	name := s.plan.Name
	switch {
	case s.external:
		ch.Status, ch.Message = Skipped, "external cluster: no node container here"
	case s.dockerErr != nil:
		ch.Status, ch.Message = Unknown, "Docker cannot tell: "+s.dockerErr.Error()
	case s.node == nil:
		ch.Status, ch.Message = Fail, fmt.Sprintf("no node container of %s on Docker network %q", name, o.Plan.Network.Name)
		ch.Fix = o.Fixes.create(name)
	case !s.node.Running:
		ch.Status, ch.Message = Fail, fmt.Sprintf("node container %s is %s", s.node.Container, s.node.State)
		ch.Fix = o.Fixes.start(name)
	default:
		ch.Status, ch.Message = OK, fmt.Sprintf("%s runs at %s", s.node.Container, nodeAddrs(*s.node))
	}
	return ch
}

func nodeAddrs(n dockernet.Node) string {
	var out []string
	if n.IPv4.IsValid() {
		out = append(out, n.IPv4.String())
	}
	if n.IPv6.IsValid() {
		out = append(out, n.IPv6.String())
	}
	if len(out) == 0 {
		return "no address on the lab network"
	}
	return strings.Join(out, ", ")
}

func contextCheck(o *Options, s *clusterState) Check {
	ch := Check{Name: CheckContext}
	name := s.plan.Name
	switch {
	case s.ctxErr != nil && s.external:
		ch.Status, ch.Message = Fail, s.ctxErr.Error()
		ch.Fix = "check spec.context and spec.kubeconfig in " + s.plan.Def.File
	case s.ctxErr != nil && (s.dockerErr != nil || s.node == nil):
		// Most likely never created: the node check says so when Docker
		// can tell.
		ch.Status, ch.Message = Unknown, s.ctxErr.Error()+"; the cluster seems not to be created"
		ch.Fix = o.Fixes.create(name)
	case s.ctxErr != nil:
		ch.Status, ch.Message = Fail, s.ctxErr.Error()
		ch.Fix = o.Fixes.create(name)
	case s.external:
		ch.Status, ch.Message = OK, fmt.Sprintf("context %s: server %s", s.kubeContext, s.ctxServer)
	case s.peerURL == "":
		ch.Status = Unknown
		ch.Message = fmt.Sprintf("context %s: server %s; the node's address is unknown", s.kubeContext, s.ctxServer)
		if s.dockerErr != nil {
			ch.Message += " (Docker cannot tell)"
		} else if s.down != "" {
			ch.Message += ": " + s.down
		}
	case !s.contextServerValid():
		ch.Status = Fail
		ch.Message = fmt.Sprintf("context %s points at %s, but the node is at %s", s.kubeContext, s.ctxServer, s.peerURL)
		if s.hostURL != "" {
			ch.Message += " (" + s.hostURL + " from this machine)"
		}
		ch.Fix = o.Fixes.create(name)
	case s.ctxServer == s.hostURL:
		ch.Status, ch.Message = OK, fmt.Sprintf("context %s: server %s, the port the node publishes here", s.kubeContext, s.ctxServer)
	default:
		ch.Status, ch.Message = OK, fmt.Sprintf("context %s: server %s, the node's address", s.kubeContext, s.ctxServer)
	}
	return ch
}

func apiCheck(o *Options, s *clusterState) Check {
	ch := Check{Name: CheckAPI}
	switch {
	case s.rest == nil:
		return unknownBecause(CheckAPI, s.plan.Name, s.down)
	case s.apiErr != nil:
		ch.Status = Fail
		ch.Message = fmt.Sprintf("the API server at %s does not answer: %v", s.rest.Host, s.apiErr)
		if s.external {
			ch.Fix = "check that the cluster of context " + s.kubeContext + " runs"
		} else {
			ch.Fix = "wait for it to start, or make it anew: " + o.Fixes.command("create --force", s.plan.Name)
		}
	case s.external:
		ch.Status, ch.Message = OK, "ready at "+s.rest.Host
	case s.rest.Host == s.peerURL:
		ch.Status, ch.Message = OK, fmt.Sprintf("ready at %s, where other clusters reach it", s.rest.Host)
	default:
		ch.Status, ch.Message = OK, fmt.Sprintf("ready at %s (other clusters use %s)", s.rest.Host, s.peerURL)
	}
	return ch
}

// routesCheck looks at the routes this cluster's node must hold toward
// the other members of its group.
func routesCheck(ctx context.Context, o *Options, s *clusterState, states map[string]*clusterState, d dockerView) Check {
	ch := Check{Name: CheckRoutes}
	c := s.plan
	if s.external || c.Def.Group == "" {
		ch.Status, ch.Message = Skipped, "in no group: needs no routes"
		if s.external {
			ch.Message = "external cluster: its network is its own"
		}
		return ch
	}
	members := o.Plan.Group(c.Def.Group)
	var peers []string
	var routed []*addrplan.Cluster
	for _, m := range members {
		if o.Traits(m).Nodes {
			routed = append(routed, m)
			if m != c {
				peers = append(peers, m.Name)
			}
		}
	}
	switch {
	case len(peers) == 0:
		ch.Status, ch.Message = Skipped, "alone in group "+c.Def.Group
		return ch
	case d.err != nil:
		ch.Status, ch.Message = Unknown, "Docker cannot tell: "+d.err.Error()
		return ch
	case s.node == nil || !s.node.Running:
		return unknownBecause(CheckRoutes, c.Name, s.down)
	}
	var running []dockernet.Node
	var down []string
	for _, n := range d.nodes {
		if n.Running {
			running = append(running, n)
		}
	}
	for _, p := range peers {
		if ps := states[p]; ps != nil && (ps.node == nil || !ps.node.Running) {
			down = append(down, p)
		} else if ps == nil && !hasRunningNode(d.nodes, p) {
			down = append(down, p)
		}
	}
	all, _ := workflow.GroupRoutes(routed, running)
	var mine []dockernet.Route
	for _, r := range all {
		if r.Container == s.node.Container {
			mine = append(mine, r)
		}
	}
	problems, err := d.client.CheckRoutes(ctx, mine)
	switch {
	case err != nil:
		ch.Status, ch.Message = Unknown, err.Error()
	case len(problems) > 0:
		var msgs []string
		for _, p := range problems {
			msgs = append(msgs, p.String())
		}
		ch.Status, ch.Message, ch.Fix = Fail, strings.Join(msgs, "; "), o.Fixes.route()
	default:
		ch.Status = OK
		ch.Message = fmt.Sprintf("%s toward the pods of %s", plural(len(mine), "route"), strings.Join(peers, ", "))
	}
	if len(down) > 0 && ch.Status == OK {
		ch.Message += fmt.Sprintf(" (not checked toward %s: no running node)", strings.Join(down, ", "))
	}
	return ch
}

func hasRunningNode(nodes []dockernet.Node, cluster string) bool {
	for _, n := range nodes {
		if n.Cluster == cluster && n.RunsPods() && n.Running {
			return true
		}
	}
	return false
}
