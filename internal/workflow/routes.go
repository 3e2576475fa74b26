package workflow

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/plan"
)

func routesID(group string) string { return "routes/" + group }

// groupsOf returns the groups the clusters belong to, sorted. Only
// clusters the lab manages are in groups (the address plan refuses others).
func (e *Env) groupsOf(defs []*definition.Cluster) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range e.clustersOf(defs) {
		d := c.Def
		if d.Group != "" && e.Managed(c) && !seen[d.Group] {
			seen[d.Group] = true
			out = append(out, d.Group)
		}
	}
	sort.Strings(out)
	return out
}

// RouteSteps ensures, for every group a selected cluster is in, that each
// member's node routes every other member's pod ranges via that member's
// node. needs maps a cluster to the step that must finish before its node
// can take routes (its creation), if any.
func RouteSteps(e *Env, defs []*definition.Cluster, needs func(cluster string) string) []*plan.Step {
	var steps []*plan.Step
	for _, g := range e.groupsOf(defs) {
		members := e.Plan.Group(g)
		if len(members) < 2 {
			continue
		}
		s := &plan.Step{
			ID: routesID(g), Title: fmt.Sprintf("Route pod ranges between the clusters of group %q (%s)", g, names(members)),
			Script: routeScript(e, members),
		}
		for _, m := range members {
			if id := needs(m.Name); id != "" {
				s.Needs = append(s.Needs, id)
			}
		}
		group := g
		s.Do = func(ctx context.Context, log plan.Logger) (plan.Result, error) {
			return ensureGroupRoutes(ctx, e, group, members, log)
		}
		steps = append(steps, s)
	}
	return steps
}

// routeScript prints one command per route, finding node addresses with
// docker inspect as the real step finds them by label.
func routeScript(e *Env, members []*addrplan.Cluster) string {
	var lines []string
	for _, from := range members {
		for _, to := range members {
			if from == to {
				continue
			}
			if from.Def.V4 && to.PodV4.IsValid() {
				lines = append(lines, dockernet.RouteCommandText(e.NodeContainer(from), to.PodV4.String(), inspectAddr(e, to, false)))
			}
			if from.Def.V6 && to.PodV6.IsValid() {
				lines = append(lines, dockernet.RouteCommandText(e.NodeContainer(from), to.PodV6.String(), inspectAddr(e, to, true)))
			}
		}
	}
	return strings.Join(lines, "\n")
}

// GroupRoutes computes the routes between the running members of a group,
// and names the members without a running node.
func GroupRoutes(members []*addrplan.Cluster, nodes []dockernet.Node) (routes []dockernet.Route, missing []string) {
	found := map[string]dockernet.Node{}
	for _, m := range members {
		if n, ok := nodeOf(nodes, m.Name); ok {
			found[m.Name] = n
		} else {
			missing = append(missing, m.Name)
		}
	}
	for _, from := range members {
		fn, ok := found[from.Name]
		if !ok {
			continue
		}
		for _, to := range members {
			tn, ok := found[to.Name]
			if !ok || from == to {
				continue
			}
			if from.Def.V4 && to.PodV4.IsValid() && tn.IPv4.IsValid() {
				routes = append(routes, dockernet.Route{Container: fn.Container, Dst: to.PodV4, Via: tn.IPv4})
			}
			if from.Def.V6 && to.PodV6.IsValid() && tn.IPv6.IsValid() {
				routes = append(routes, dockernet.Route{Container: fn.Container, Dst: to.PodV6, Via: tn.IPv6})
			}
		}
	}
	return routes, missing
}

func ensureGroupRoutes(ctx context.Context, e *Env, group string, members []*addrplan.Cluster, log plan.Logger) (plan.Result, error) {
	d, err := e.DockerClient(ctx)
	if err != nil {
		return plan.Result{}, err
	}
	nodes, err := d.Nodes(ctx, e.Plan.Network.Name)
	if err != nil {
		return plan.Result{}, err
	}
	routes, missing := GroupRoutes(members, nodes)
	if len(missing) > 0 {
		log.Logf("no running node for %s yet: their routes are added when they are created", strings.Join(missing, ", "))
	}
	changed, err := d.EnsureRoutes(ctx, routes)
	if err != nil {
		return plan.Result{}, fmt.Errorf("routes of group %s: %w", group, err)
	}
	if len(changed) == 0 {
		return plan.Unchanged(fmt.Sprintf("all %d routes in place", len(routes))), nil
	}
	return plan.Changed(fmt.Sprintf("%d of %d routes added or repaired", len(changed), len(routes))), nil
}

// UnrouteStep removes the routes that the other members of c's group hold
// toward c, before c is deleted. Members being deleted too are left alone:
// their routes go with their containers.
func UnrouteStep(e *Env, c *addrplan.Cluster, deleting map[string]bool) *plan.Step {
	var keep []*addrplan.Cluster
	for _, m := range e.Plan.Group(c.Def.Group) {
		if m.Name != c.Name && !deleting[m.Name] && e.Managed(m) {
			keep = append(keep, m)
		}
	}
	if c.Def.Group == "" || len(keep) == 0 || !e.Managed(c) {
		return nil
	}
	var lines []string
	for _, m := range keep {
		for _, p := range c.PodCIDRs() {
			lines = append(lines, dockernet.RouteDeleteCommandText(e.NodeContainer(m), p.String()))
		}
	}
	return &plan.Step{
		ID: "unroute/" + c.Name, Cluster: c.Name,
		Title:  fmt.Sprintf("Remove the routes %s hold toward %s", names(keep), c.Name),
		Script: strings.Join(lines, "\n"),
		Do: func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
			return removeRoutesToward(ctx, e, c, keep)
		},
	}
}

func removeRoutesToward(ctx context.Context, e *Env, c *addrplan.Cluster, keep []*addrplan.Cluster) (plan.Result, error) {
	d, err := e.DockerClient(ctx)
	if err != nil {
		return plan.Result{}, err
	}
	nodes, err := d.Nodes(ctx, e.Plan.Network.Name)
	if err != nil {
		return plan.Result{}, err
	}
	var containers []string
	for _, m := range keep {
		if n, ok := nodeOf(nodes, m.Name); ok {
			containers = append(containers, n.Container)
		}
	}
	var vias []netip.Addr
	if n, ok := nodeOf(nodes, c.Name); ok {
		for _, a := range []netip.Addr{n.IPv4, n.IPv6} {
			if a.IsValid() {
				vias = append(vias, a)
			}
		}
	}
	removed, err := d.RemoveRoutes(ctx, containers, c.PodCIDRs(), vias)
	if err != nil {
		return plan.Result{}, err
	}
	if removed == 0 {
		return plan.Unchanged("no routes toward it"), nil
	}
	return plan.Changed(fmt.Sprintf("%d routes removed", removed)), nil
}

func names(cs []*addrplan.Cluster) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return strings.Join(out, ", ")
}
