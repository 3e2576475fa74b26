package workflow

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/kubeconfig"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/shell"
)

// NetworkStepID is the step every cluster creation waits for.
const NetworkStepID = "network"

// createTimeout bounds one cluster's creation: pulling a node image on a
// slow link takes minutes, a hung Docker forever.
const createTimeout = 15 * time.Minute

// NetworkStep ensures the lab's Docker network exists and fits the plan.
// Creating it up front also keeps parallel kind runs from each creating a
// network named "kind" ("network kind is ambiguous").
func NetworkStep(e *Env) *plan.Step {
	spec := e.NetworkSpec()
	return &plan.Step{
		ID:     NetworkStepID,
		Title:  fmt.Sprintf("Ensure Docker network %q", spec.Name),
		Script: dockernet.NetworkCommand(spec),
		Do: func(ctx context.Context, log plan.Logger) (plan.Result, error) {
			d, err := e.DockerClient(ctx)
			if err != nil {
				return plan.Result{}, err
			}
			warnDockerDesktop(ctx, d, log)
			changed, err := d.EnsureNetwork(ctx, spec)
			if err != nil {
				return plan.Result{}, err
			}
			if !changed {
				return plan.Unchanged("exists and fits the plan"), nil
			}
			return plan.Changed("created"), nil
		},
	}
}

func createID(name string) string     { return stepID(CreateStep, name) }
func kubeconfigID(name string) string { return stepID(KubeconfigStep, name) }

// CreateSteps creates each cluster and merges its credentials into the
// kubeconfig. External clusters are only checked for a usable context.
func CreateSteps(e *Env, defs []*definition.Cluster) []*plan.Step {
	var steps []*plan.Step
	for _, c := range e.clustersOf(defs) {
		if !e.Managed(c) {
			steps = append(steps, externalStep(e, c))
			continue
		}
		steps = append(steps, createStep(e, c), kubeconfigStep(e, c, createID(c.Name)))
	}
	return steps
}

func createStep(e *Env, c *addrplan.Cluster) *plan.Step {
	spec := e.Spec(c)
	s := &plan.Step{
		ID: createID(c.Name), Cluster: c.Name, Needs: []string{NetworkStepID},
		Title: fmt.Sprintf("Create %s cluster (pods %s, services %s)", c.Def.Provider,
			joinPrefixes(c.PodV4, c.PodV6), joinPrefixes(c.ServiceV4, c.ServiceV6)),
	}
	p, err := e.providerOf(c)
	if err != nil {
		s.Do = failing(err)
		return s
	}
	if _, err := p.Config(spec); err != nil {
		s.Script = "# cannot render the config: " + err.Error()
		s.Do = failing(err)
		return s
	}
	script := p.Command(spec)
	if e.Force {
		script = p.DeleteCommand(c.Name) + "\n" + script
	}
	s.Script = script
	s.Do = func(ctx context.Context, log plan.Logger) (plan.Result, error) {
		st, err := p.Status(ctx, c.Name)
		if err != nil {
			return plan.Result{}, err
		}
		switch {
		case st.Exists && !e.Force && st.Running:
			return ensureMirrors(ctx, p, spec)
		case st.Exists && !e.Force:
			return plan.Result{}, fmt.Errorf("cluster %s exists but its node is not running: start it (docker start %s) or recreate it with --force",
				c.Name, strings.Join(st.Nodes, " "))
		case st.Exists:
			log.Logf("deleting the existing cluster (--force)")
			if err := p.Delete(ctx, c.Name); err != nil {
				return plan.Result{}, fmt.Errorf("delete before recreating: %w", err)
			}
		}
		create, cancel := context.WithTimeout(ctx, createTimeout)
		defer cancel()
		if err := p.Create(create, spec); err != nil {
			return plan.Result{}, err
		}
		return plan.Changed("created"), nil
	}
	return s
}

// ensureMirrors brings the registry mirrors of a cluster that exists to
// what the lab says, where its provider can, so that turning the cache on
// reaches clusters made before.
func ensureMirrors(ctx context.Context, p provider.Provider, spec provider.Spec) (plan.Result, error) {
	const kept = "already exists and runs; kept (--force recreates it)"
	mc, ok := p.(provider.MirrorConfigurer)
	if !ok || len(spec.Mirrors) == 0 {
		return plan.Unchanged(kept), nil
	}
	r, err := mc.EnsureMirrors(ctx, spec)
	if err != nil {
		return plan.Result{}, err
	}
	note := kept
	if len(r.Unread) > 0 {
		note += fmt.Sprintf("; warning: containerd in %s was set up without registry mirrors and reads none: "+
			"its pulls skip the cache until --force recreates the cluster", strings.Join(r.Unread, ", "))
	}
	if len(r.Written) == 0 {
		return plan.Unchanged(note), nil
	}
	return plan.Changed(note + fmt.Sprintf("; registry mirrors configured in %s", strings.Join(r.Written, ", "))), nil
}

// ContextSteps merge the managed clusters' credentials into the kubeconfig
// again, pointing at their nodes' current addresses. needs names what a
// cluster's step waits for (its node starting, say).
func ContextSteps(e *Env, defs []*definition.Cluster, needs func(string) string) []*plan.Step {
	var steps []*plan.Step
	for _, c := range e.clustersOf(defs) {
		if e.Managed(c) {
			steps = append(steps, kubeconfigStep(e, c, needs(c.Name)))
		}
	}
	return steps
}

func kubeconfigStep(e *Env, c *addrplan.Cluster, needs string) *plan.Step {
	s := &plan.Step{
		ID: kubeconfigID(c.Name), Cluster: c.Name,
		Title:  fmt.Sprintf("Add context %q to %s", c.Name, e.Kubeconfig),
		Script: kubeconfigScript(e, c),
		Do: func(ctx context.Context, log plan.Logger) (plan.Result, error) {
			p, err := e.providerOf(c)
			if err != nil {
				return plan.Result{}, err
			}
			raw, err := p.Kubeconfig(ctx, c.Name)
			if err != nil {
				return plan.Result{}, err
			}
			server, err := e.contextServer(ctx, c, log)
			if err != nil {
				return plan.Result{}, err
			}
			changed, err := kubeconfig.Merge(e.Kubeconfig, kubeconfig.Entry{Name: c.Name, Server: server, Config: raw, Aliases: e.kubeconfigNames(c)})
			if err != nil {
				return plan.Result{}, err
			}
			if !changed {
				return plan.Unchanged("context already up to date (" + server + ")"), nil
			}
			return plan.Changed("server " + server), nil
		},
	}
	if needs != "" {
		s.Needs = []string{needs}
	}
	return s
}

// nodeAddr is the address of a cluster's node on the lab network.
func (e *Env) nodeAddr(ctx context.Context, cluster string) (netip.Addr, error) {
	n, err := e.node(ctx, cluster)
	if err != nil {
		return netip.Addr{}, err
	}
	return NodeAddr(n)
}

// kubeconfigNames are the names the provider's tools give c's entries.
func (e *Env) kubeconfigNames(c *addrplan.Cluster) []kubeconfig.Names {
	p, err := e.providerOf(c)
	if err != nil {
		return nil
	}
	n := p.KubeconfigNames(c.Name)
	return []kubeconfig.Names{{Context: n.Context, Cluster: n.Cluster, User: n.User}}
}

// kubeconfigScript is what a person would type to get the same context.
func kubeconfigScript(e *Env, c *addrplan.Cluster) string {
	p, err := e.providerOf(c)
	if err != nil {
		return "# " + err.Error()
	}
	kc := ""
	if e.Kubeconfig != "" {
		kc = " --kubeconfig " + shell.Quote(e.Kubeconfig)
	}
	old := p.KubeconfigNames(c.Name).Context
	return strings.Join([]string{
		p.ContextCommand(c.Name, e.Kubeconfig),
		fmt.Sprintf("kubectl%s config rename-context %s %s", kc, old, c.Name),
		fmt.Sprintf("kubectl%s config set-cluster %s --server \"https://%s:6443\"", kc, old, inspectAddr(e, c, false)),
		"# localcluster also renames the cluster and user entries to " + c.Name,
	}, "\n")
}

// inspectAddr is the shell substitution that finds a node's address.
func inspectAddr(e *Env, c *addrplan.Cluster, v6 bool) string {
	field := "IPAddress"
	if v6 {
		field = "GlobalIPv6Address"
	}
	return fmt.Sprintf(`$(docker inspect -f '{{(index .NetworkSettings.Networks "%s").%s}}' %s)`, e.Plan.Network.Name, field, e.NodeContainer(c))
}

func externalStep(e *Env, c *addrplan.Cluster) *plan.Step {
	spec := e.Spec(c)
	p, err := e.providerOf(c)
	s := &plan.Step{ID: createID(c.Name), Cluster: c.Name, Title: "Use external cluster (context " + c.Def.Context + ")"}
	if err != nil {
		s.Do = failing(err)
		return s
	}
	s.Script = p.Command(spec)
	s.Do = func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
		st, err := p.Status(ctx, c.Name)
		if err != nil {
			return plan.Result{}, err
		}
		if !st.Exists {
			return plan.Result{}, fmt.Errorf("external cluster %s: context %q not found; check spec.context in %s", c.Name, c.Def.Context, c.Def.File)
		}
		return plan.Unchanged("external: nothing to create"), nil
	}
	return s
}

func failing(err error) func(context.Context, plan.Logger) (plan.Result, error) {
	return func(context.Context, plan.Logger) (plan.Result, error) { return plan.Result{}, err }
}

// warnDockerDesktop says that Docker Desktop for Mac does not route the
// Docker network to the host, so contexts pointing at node addresses (and
// MetalLB addresses) do not answer there.
func warnDockerDesktop(ctx context.Context, d *dockernet.Client, log plan.Logger) {
	if runtime.GOOS != "darwin" {
		return
	}
	info, err := d.API().Info(ctx)
	if err == nil && strings.Contains(info.OperatingSystem, "Docker Desktop") {
		log.Logf("warning: Docker Desktop for Mac does not route the Docker network to macOS, so node and LoadBalancer addresses will not answer from here; OrbStack or a Linux machine does")
	}
}
