package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/mesh"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/shell"
)

// apiWait bounds how long start waits for an API server to answer after
// its node container started.
const apiWait = 3 * time.Minute

// clusterNodes returns the names of the containers that are c's nodes.
func (e *Env) clusterNodes(ctx context.Context, c *addrplan.Cluster) ([]dockernet.Node, error) {
	d, err := e.DockerClient(ctx)
	if err != nil {
		return nil, err
	}
	all, err := d.Nodes(ctx, e.Plan.Network.Name)
	if err != nil {
		return nil, err
	}
	var nodes []dockernet.Node
	for _, n := range all {
		if n.Cluster == c.Name && n.RunsPods() {
			nodes = append(nodes, n)
		}
	}
	return nodes, nil
}

// StopSteps stop the node containers of the managed clusters, keeping
// everything in them for start.
func StopSteps(e *Env, defs []*definition.Cluster) []*plan.Step {
	var steps []*plan.Step
	for _, c := range e.clustersOf(defs) {
		if !e.Managed(c) {
			continue
		}
		steps = append(steps, &plan.Step{
			ID: stepID("stop", c.Name), Cluster: c.Name, Title: "Stop the node containers",
			Script: "docker stop " + shell.Quote(e.NodeContainer(c)),
			Do: func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
				nodes, err := e.clusterNodes(ctx, c)
				if err != nil {
					return plan.Result{}, err
				}
				var running []string
				for _, n := range nodes {
					if n.Running {
						running = append(running, n.Container)
					}
				}
				if len(nodes) == 0 {
					return plan.Unchanged("no node containers: nothing to stop"), nil
				}
				if len(running) == 0 {
					return plan.Unchanged("already stopped"), nil
				}
				d, _ := e.DockerClient(ctx)
				if err := d.StopContainers(ctx, running); err != nil {
					return plan.Result{}, err
				}
				return plan.Changed("stopped " + strings.Join(running, ", ")), nil
			},
		})
	}
	return steps
}

// StartSteps start the node containers of the managed clusters and wait
// until each API server answers at the node's (possibly new) address.
func StartSteps(e *Env, defs []*definition.Cluster) []*plan.Step {
	var steps []*plan.Step
	for _, c := range e.clustersOf(defs) {
		if !e.Managed(c) {
			continue
		}
		steps = append(steps, &plan.Step{
			ID: stepID(StartStep, c.Name), Cluster: c.Name, Title: "Start the node containers and wait for the API server",
			Script: "docker start " + shell.Quote(e.NodeContainer(c)) + "\n" +
				"# then wait until https://" + inspectAddr(e, c, !c.Def.V4) + ":6443/readyz answers",
			Do: func(ctx context.Context, log plan.Logger) (plan.Result, error) {
				return e.start(ctx, c, log)
			},
		})
	}
	return steps
}

func (e *Env) start(ctx context.Context, c *addrplan.Cluster, log plan.Logger) (plan.Result, error) {
	nodes, err := e.clusterNodes(ctx, c)
	if err != nil {
		return plan.Result{}, err
	}
	if len(nodes) == 0 {
		return plan.Result{}, fmt.Errorf("cluster %s has no node containers on Docker network %q: create it (localcluster up or create)", c.Name, e.Plan.Network.Name)
	}
	var stopped []string
	for _, n := range nodes {
		if !n.Running {
			stopped = append(stopped, n.Container)
		}
	}
	if len(stopped) > 0 {
		d, _ := e.DockerClient(ctx)
		if err := d.StartContainers(ctx, stopped); err != nil {
			return plan.Result{}, err
		}
	}
	addr, err := e.nodeAddr(ctx, c.Name)
	if err != nil {
		return plan.Result{}, err
	}
	server := ServerURL(addr)
	log.Logf("waiting up to %s for the API server at %s", apiWait, server)
	if err := e.waitAPI(ctx, c, server); err != nil {
		return plan.Result{}, err
	}
	if len(stopped) == 0 {
		return plan.Unchanged("already running; API server answers at " + server), nil
	}
	return plan.Changed("started; API server answers at " + server), nil
}

// waitAPI polls the cluster's API server at server with the provider's
// admin credentials until it answers.
func (e *Env) waitAPI(ctx context.Context, c *addrplan.Cluster, server string) error {
	ctx, cancel := context.WithTimeout(ctx, apiWait)
	defer cancel()
	var last error
	for {
		if last = e.pingAPI(ctx, c, server); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the API server of %s did not answer at %s within %s: %w", c.Name, server, apiWait, last)
		case <-time.After(time.Second):
		}
	}
}

func (e *Env) pingAPI(ctx context.Context, c *addrplan.Cluster, server string) error {
	p, err := e.providerOf(c)
	if err != nil {
		return err
	}
	raw, err := p.Kubeconfig(ctx, c.Name)
	if err != nil {
		return err
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(raw)
	if err != nil {
		return err
	}
	cfg.Host, cfg.Timeout = server, 5*time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	_, err = dc.ServerVersion()
	return err
}

// RepairLinkSteps rewrite the credentials and gateway address of the
// links that exist, for after the nodes' addresses changed. A link that
// was never made is left alone.
func RepairLinkSteps(e *Env, links []Link, needs func(string) string) []*plan.Step {
	var steps []*plan.Step
	for _, l := range links {
		s := linkStep(e, l, needs)
		if l.Gateway {
			s.Needs = removeID(s.Needs, "gateway/"+l.Target.Name)
		}
		s.Title = fmt.Sprintf("Repair the link to %s if there is one", l.Target.Name)
		s.Do = func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
			src, err := e.reach(l.Source)
			if err != nil {
				return plan.Result{}, err
			}
			linked, err := mesh.Linked(ctx, src, l.Target.Name)
			if err != nil {
				return plan.Result{}, err
			}
			if !linked {
				return plan.Unchanged("not linked"), nil
			}
			return e.applyLink(ctx, l)
		}
		steps = append(steps, s)
	}
	return steps
}

func removeID(ids []string, id string) []string {
	var out []string
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// NetworkRemoveStepID is the step of down that removes the network.
const NetworkRemoveStepID = "network-remove"

// NetworkRemoveStep removes the lab's Docker network after everything
// that needs is done, unless other containers still use it. The image
// cache serves other labs too, so when it is the network's last user it
// leaves the network rather than keep it; when other containers remain,
// it stays on it for them.
func NetworkRemoveStep(e *Env, needs []string) *plan.Step {
	name := e.Plan.Network.Name
	cache := e.cacheInstance()
	return &plan.Step{
		ID: NetworkRemoveStepID, Title: fmt.Sprintf("Remove Docker network %q unless something else uses it", name),
		Needs: needs,
		Script: "# when the image cache is the network's last user, it leaves it (it stays for other labs)\n" +
			"[ \"$(docker network inspect -f '{{len .Containers}}' " + shell.Quote(name) + ")\" = 1 ] && docker network disconnect " +
			shell.Quote(name) + " " + cache.Container + " 2>/dev/null\n" +
			"docker network rm " + shell.Quote(name),
		Do: func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
			d, err := e.DockerClient(ctx)
			if err != nil {
				return plan.Result{}, err
			}
			removed, users, err := d.RemoveNetworkIfUnused(ctx, name)
			note := ""
			if err == nil && len(users) == 1 && users[0] == cache.Container {
				if _, err := cache.Disconnect(ctx, d.API(), name); err != nil {
					return plan.Result{}, err
				}
				note = "; image cache " + cache.Container + " left it"
				removed, users, err = d.RemoveNetworkIfUnused(ctx, name)
			}
			switch {
			case err != nil:
				return plan.Result{}, err
			case len(users) > 0:
				return plan.Unchanged("kept: still used by " + strings.Join(users, ", ")), nil
			case !removed:
				return plan.Unchanged("does not exist"), nil
			}
			return plan.Changed("removed" + note), nil
		},
	}
}

// LabLinks are every link the lab declares around the selected clusters:
// each group's pod-to-pod links and the declared gateway links, once each.
func LabLinks(e *Env, defs []*definition.Cluster) []Link {
	seen := map[string]bool{}
	var out []Link
	for _, l := range append(GroupLinks(e, defs), DeclaredGatewayLinks(e, defs)...) {
		if !seen[l.id()] {
			seen[l.id()] = true
			out = append(out, l)
		}
	}
	return out
}
