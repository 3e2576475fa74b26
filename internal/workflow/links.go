package workflow

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/kubeconfig"
	"github.com/localcluster/localcluster/internal/mesh"
	"github.com/localcluster/localcluster/internal/plan"
)

// linkWait bounds how long a link waits for the target's remote-access
// token and gateway address to appear.
const linkWait = 3 * time.Minute

// Link is one link to make: Target's services appear in Source.
type Link struct {
	Source, Target *addrplan.Cluster
	Gateway        bool
}

func (l Link) id() string { return "link/" + l.Source.Name + "/" + l.Target.Name }

// GroupLinks are the links of every group a selected cluster is in: each
// member linked to every other, both ways, pod-to-pod, except where the
// lab declares a gateway link between two members: Linkerd has one Link
// per target, so that pair keeps its gateway.
func GroupLinks(e *Env, defs []*definition.Cluster) []Link {
	var links []Link
	for _, g := range e.groupsOf(defs) {
		members := e.Plan.Group(g)
		for _, a := range members {
			for _, b := range members {
				if a != b {
					links = append(links, Link{Source: a, Target: b, Gateway: contains(a.Def.GatewayLinks, b.Name)})
				}
			}
		}
	}
	return links
}

// DeclaredGatewayLinks are the gateway links the lab's files declare that
// start or end at a selected cluster.
func DeclaredGatewayLinks(e *Env, defs []*definition.Cluster) []Link {
	selected := map[string]bool{}
	for _, d := range defs {
		selected[d.Name] = true
	}
	var links []Link
	for _, src := range e.Plan.Clusters {
		for _, dst := range src.Def.GatewayLinks {
			if selected[src.Name] || selected[dst] {
				links = append(links, Link{Source: src, Target: e.Plan.Cluster(dst), Gateway: true})
			}
		}
	}
	return links
}

// LinkSteps write each link's Secrets and Link into its source, enable the
// gateway of gateway-link targets, then declare the service-mirror
// controllers in each source's multicluster release.
func LinkSteps(e *Env, links []Link, needs func(string) string) []*plan.Step {
	var steps []*plan.Step
	gateways := map[string]bool{}
	bySource := map[string][]Link{}
	var sources []string
	for _, l := range links {
		if l.Gateway && !gateways[l.Target.Name] {
			gateways[l.Target.Name] = true
			steps = append(steps, gatewayStep(e, l.Target, needs))
		}
		if _, seen := bySource[l.Source.Name]; !seen {
			sources = append(sources, l.Source.Name)
		}
		bySource[l.Source.Name] = append(bySource[l.Source.Name], l)
		steps = append(steps, linkStep(e, l, needs))
	}
	sort.Strings(sources)
	for _, src := range sources {
		steps = append(steps, controllersStep(e, bySource[src], needs))
	}
	return steps
}

func addNeeds(s *plan.Step, needs func(string) string, clusters ...string) {
	for _, c := range clusters {
		if id := needs(c); id != "" && !contains(s.Needs, id) {
			s.Needs = append(s.Needs, id)
		}
	}
}

func gatewayStep(e *Env, c *addrplan.Cluster, needs func(string) string) *plan.Step {
	mc := e.meshCluster(c)
	mc.Gateway = true
	mc.Controllers = e.declaredControllers(c)
	r, err := mesh.MulticlusterRelease(e.Charts.Linkerd, mc)
	_, kctx := e.kubeTarget(c)
	s := &plan.Step{ID: "gateway/" + c.Name, Cluster: c.Name, Title: "Ensure the multicluster gateway runs"}
	addNeeds(s, needs, c.Name)
	if err != nil {
		s.Do = failing(err)
		return s
	}
	s.Script = keptNote + "\n" + helm.Command(kctx, r)
	s.Do = func(ctx context.Context, log plan.Logger) (plan.Result, error) {
		return e.ensureMulticluster(ctx, c, mcChange{gateway: true}, log)
	}
	return s
}

// keptNote says what a printed multicluster release cannot know.
const keptNote = "# The controllers are those the lab declares for this cluster; the real run also keeps\n" +
	"# any already deployed for links made by hand (link --src/--dst): add them to controllers."

// declaredControllers are the service mirrors the lab declares for c: one
// per group peer, pod-to-pod unless c declares a gateway link to it, and
// one per declared gateway link.
func (e *Env) declaredControllers(c *addrplan.Cluster) []mesh.Controller {
	var out []mesh.Controller
	seen := map[string]bool{}
	add := func(target string, gateway bool) {
		if !seen[target] {
			seen[target] = true
			out = append(out, mesh.Controller{Target: target, Gateway: gateway})
		}
	}
	if c.Def.Group != "" && e.Managed(c) {
		for _, m := range e.Plan.Group(c.Def.Group) {
			if m != c {
				add(m.Name, contains(c.Def.GatewayLinks, m.Name))
			}
		}
	}
	for _, t := range c.Def.GatewayLinks {
		add(t, true)
	}
	return out
}

func linkStep(e *Env, l Link, needs func(string) string) *plan.Step {
	kind := "pod-to-pod"
	if l.Gateway {
		kind = "through the gateway of " + l.Target.Name
	}
	s := &plan.Step{
		ID: l.id(), Cluster: l.Source.Name,
		Title: fmt.Sprintf("Link %s (%s): its services appear here", l.Target.Name, kind),
	}
	addNeeds(s, needs, l.Source.Name, l.Target.Name)
	if l.Gateway {
		s.Needs = append(s.Needs, "gateway/"+l.Target.Name)
	}
	s.Script = mesh.LinkCommand(mesh.LinkSpec{
		Source:  mesh.Endpoint{Name: l.Source.Name},
		Target:  mesh.Endpoint{Name: l.Target.Name, ServerFromPeers: e.peerServerText(l.Target)},
		Gateway: l.Gateway,
	})
	s.Do = func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
		return e.applyLink(ctx, l)
	}
	return s
}

// peerServerText is the target's server for printed commands: its node's
// address, found as the real step finds it, or an external cluster's own.
func (e *Env) peerServerText(c *addrplan.Cluster) string {
	if e.Managed(c) {
		return "https://" + inspectAddr(e, c, !c.Def.V4) + ":6443"
	}
	path, kctx := e.kubeTarget(c)
	if s, err := kubeconfig.Lookup(path, kctx); err == nil && s != "" {
		return s
	}
	return "<server of context " + c.Def.Context + ">"
}

func (e *Env) applyLink(ctx context.Context, l Link) (plan.Result, error) {
	targetREST, err := e.reach(l.Target)
	if err != nil {
		return plan.Result{}, err
	}
	server, err := e.peerServer(ctx, l.Target)
	if err != nil {
		return plan.Result{}, err
	}
	sourceREST, err := e.reach(l.Source)
	if err != nil {
		return plan.Result{}, err
	}
	wait, cancel := context.WithTimeout(ctx, linkWait)
	defer cancel()
	objs, err := mesh.GenerateLinkWhenReady(wait, mesh.Endpoint{Name: l.Target.Name, RESTConfig: targetREST, ServerFromPeers: server}, l.Gateway)
	if err != nil {
		return plan.Result{}, err
	}
	changed, err := mesh.ApplyLink(ctx, sourceREST, objs)
	if err != nil {
		return plan.Result{}, err
	}
	if !changed {
		return plan.Unchanged("link already in place"), nil
	}
	return plan.Changed("credentials and Link written"), nil
}

func controllersStep(e *Env, links []Link, needs func(string) string) *plan.Step {
	src := links[0].Source
	var add []mesh.Controller
	var targets []string
	s := &plan.Step{ID: "controllers/" + src.Name, Cluster: src.Name}
	addNeeds(s, needs, src.Name)
	for _, l := range links {
		add = append(add, mesh.Controller{Target: l.Target.Name, Gateway: l.Gateway})
		targets = append(targets, l.Target.Name)
		s.Needs = append(s.Needs, l.id())
	}
	s.Title = "Run service mirrors for " + strings.Join(targets, ", ")
	mc := e.meshCluster(src)
	mc.Controllers = e.declaredControllers(src)
	for _, a := range add {
		if !slices.ContainsFunc(mc.Controllers, func(c mesh.Controller) bool { return c.Target == a.Target }) {
			mc.Controllers = append(mc.Controllers, a)
		}
	}
	if r, err := mesh.MulticlusterRelease(e.Charts.Linkerd, mc); err == nil {
		_, kctx := e.kubeTarget(src)
		s.Script = keptNote + "\n" + helm.Command(kctx, r)
	}
	s.Do = func(ctx context.Context, log plan.Logger) (plan.Result, error) {
		return e.ensureMulticluster(ctx, src, mcChange{add: add}, log)
	}
	return s
}

// UnlinkSteps remove a link from its source: the Link, Secrets, mirrored
// services and the service-mirror controller.
func UnlinkSteps(e *Env, l Link) []*plan.Step {
	id := "unlink/" + l.Source.Name + "/" + l.Target.Name
	_, kctx := e.kubeTarget(l.Source)
	return []*plan.Step{
		{
			ID: id, Cluster: l.Source.Name, Title: "Unlink " + l.Target.Name,
			Script: mesh.UnlinkCommand(kctx, l.Target.Name),
			Do: func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
				return e.unlink(ctx, l.Source, l.Target.Name)
			},
		},
		{
			ID: "controllers/" + l.Source.Name, Cluster: l.Source.Name, Needs: []string{id},
			Title:  "Stop the service mirror for " + l.Target.Name,
			Script: fmt.Sprintf("# upgrade %s's %s release without the controller for %s", l.Source.Name, mesh.MulticlusterReleaseName, l.Target.Name),
			Do: func(ctx context.Context, log plan.Logger) (plan.Result, error) {
				return e.ensureMulticluster(ctx, l.Source, mcChange{remove: []string{l.Target.Name}, keepOnly: true}, log)
			},
		},
	}
}

func (e *Env) unlink(ctx context.Context, src *addrplan.Cluster, target string) (plan.Result, error) {
	rest, err := e.reach(src)
	if err != nil {
		return plan.Result{}, err
	}
	changed, err := mesh.Unlink(ctx, rest, target)
	if err != nil {
		return plan.Result{}, err
	}
	if !changed {
		return plan.Unchanged("not linked"), nil
	}
	return plan.Changed("removed"), nil
}

// UnlinkPeerSteps remove, from every cluster that stays, the links it may
// hold toward clusters being deleted: group peers' pod-to-pod links and
// declared gateway links. A peer that cannot be reached is reported and
// left alone: deleting a cluster must not depend on its peers being up.
func UnlinkPeerSteps(e *Env, deleting map[string]bool) []*plan.Step {
	var steps []*plan.Step
	for _, src := range e.Plan.Clusters {
		if deleting[src.Name] {
			continue
		}
		targets := linkedDeleted(e, src, deleting)
		if len(targets) == 0 {
			continue
		}
		_, kctx := e.kubeTarget(src)
		var script []string
		for _, t := range targets {
			script = append(script, mesh.UnlinkCommand(kctx, t))
		}
		script = append(script, fmt.Sprintf("# upgrade %s's %s release without the controllers for %s", src.Name, mesh.MulticlusterReleaseName, strings.Join(targets, ", ")))
		steps = append(steps, &plan.Step{
			ID: "unlink-peers/" + src.Name, Cluster: src.Name,
			Title:  "Remove links toward " + strings.Join(targets, ", "),
			Script: strings.Join(script, "\n"),
			Do: func(ctx context.Context, log plan.Logger) (plan.Result, error) {
				return e.unlinkDeleted(ctx, src, targets, log)
			},
		})
	}
	return steps
}

func linkedDeleted(e *Env, src *addrplan.Cluster, deleting map[string]bool) []string {
	var out []string
	for _, c := range e.Plan.Clusters {
		if !deleting[c.Name] || c == src {
			continue
		}
		peer := src.Def.Group != "" && src.Def.Group == c.Def.Group
		if peer || contains(src.Def.GatewayLinks, c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}

func (e *Env) unlinkDeleted(ctx context.Context, src *addrplan.Cluster, targets []string, log plan.Logger) (plan.Result, error) {
	path, kctx := e.kubeTarget(src)
	if _, err := kubeconfig.Lookup(path, kctx); err != nil {
		return plan.Unchanged("no context " + kctx + ": nothing linked"), nil
	}
	rest, err := kubeconfig.RESTConfig(path, kctx)
	if err != nil {
		return plan.Result{}, err
	}
	reach, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	changed := false
	for _, t := range targets {
		c, err := mesh.Unlink(reach, rest, t)
		if err != nil {
			log.Logf("could not remove its link to %s, left as is: %v", t, err)
			return plan.Unchanged("unreachable; links left"), nil
		}
		changed = changed || c
	}
	res, err := e.ensureMulticluster(ctx, src, mcChange{remove: targets, keepOnly: true}, log)
	if err != nil {
		return plan.Result{}, err
	}
	if changed || res.Changed {
		return plan.Changed("links removed"), nil
	}
	return plan.Unchanged("no links toward them"), nil
}
