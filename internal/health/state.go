package health

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/kubeconfig"
	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/workflow"
)

// clusterState is what the checks of a cluster and of its links start
// from: its node, its context, and a client for its API server at the
// address other clusters use.
type clusterState struct {
	plan     *addrplan.Cluster
	traits   provider.Traits
	external bool // no node container here: a cluster that exists elsewhere

	node      *dockernet.Node // nil when Docker has none, or cannot tell
	dockerErr error           // why Docker cannot tell

	kubePath, kubeContext string
	ctxServer             string // the server of the context, "" if there is none
	ctxErr                error

	peerURL string       // the API server as other clusters reach it
	hostURL string       // where the node publishes its API server on this machine, if it does
	rest    *rest.Config // reaches the API server from here, with the context's credentials
	cs      kubernetes.Interface
	dyn     dynamic.Interface
	apiErr  error

	// down says why checks that need the API server cannot run; "" when
	// they can.
	down string
}

func probeCluster(ctx context.Context, o *Options, c *addrplan.Cluster, d dockerView) *clusterState {
	t := o.Traits(c)
	s := &clusterState{plan: c, traits: t, external: !t.Nodes, dockerErr: d.err}
	s.kubePath, s.kubeContext = o.KubeTarget(c)
	s.ctxServer, s.ctxErr = kubeconfig.Lookup(s.kubePath, s.kubeContext)

	if !s.external && d.err == nil {
		for _, n := range d.nodes {
			if n.Cluster == c.Name && n.RunsPods() {
				s.node = &n
				break
			}
		}
		switch {
		case s.node == nil:
			s.down = "it has no node container"
		case !s.node.Running:
			s.down = fmt.Sprintf("its node %s is %s", s.node.Container, s.node.State)
		default:
			if a, err := workflow.NodeAddr(*s.node); err == nil {
				s.peerURL = workflow.ServerURL(a)
			}
			if s.node.HostAPI.IsValid() {
				s.hostURL = "https://" + s.node.HostAPI.String()
			}
		}
	}
	if s.external {
		s.peerURL = s.ctxServer
	}
	if s.down != "" {
		return s
	}
	if s.ctxErr != nil {
		s.down = fmt.Sprintf("it has no context %s in %s", s.kubeContext, s.kubePath)
		return s
	}
	cfg, err := kubeconfig.RESTConfig(s.kubePath, s.kubeContext)
	if err != nil {
		s.ctxErr = err
		s.down = "its context cannot be used: " + err.Error()
		return s
	}
	cfg = rest.CopyConfig(cfg)
	// From here, through the context's server when it is one of the
	// node's (the node address, or the published port where this machine
	// does not reach the Docker network); else at the node address, so
	// that a stale context is one fault, not every check failing.
	if s.peerURL != "" && !s.contextServerValid() {
		cfg.Host = s.peerURL
	}
	cfg.Timeout = o.timeout()
	cfg.QPS, cfg.Burst = 50, 100
	// Deprecation warnings (core/v1 Endpoints, which the service mirror
	// writes) are not the user's concern here.
	cfg.WarningHandler = rest.NoWarnings{}
	s.rest = cfg
	if s.cs, err = kubernetes.NewForConfig(cfg); err == nil {
		s.dyn, err = dynamic.NewForConfig(cfg)
	}
	if err != nil {
		s.apiErr = err
		s.down = err.Error()
		return s
	}
	if err := ready(ctx, s.cs); err != nil {
		s.apiErr = err
		s.down = fmt.Sprintf("its API server at %s does not answer", cfg.Host)
	}
	return s
}

// contextServerValid tells whether the context's server is the node's:
// its address on the lab network, or the port it publishes here.
func (s *clusterState) contextServerValid() bool {
	return s.ctxServer != "" && (s.ctxServer == s.peerURL || s.ctxServer == s.hostURL)
}

// ready asks the API server whether it is ready.
func ready(ctx context.Context, cs kubernetes.Interface) error {
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return shortErr(err)
	}
	if strings.TrimSpace(string(body)) != "ok" {
		return fmt.Errorf("/readyz says %q", strings.TrimSpace(string(body)))
	}
	return nil
}

// shortErr drops client-go's long URL prefix from transport errors.
func shortErr(err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": dial tcp"); i >= 0 {
		return fmt.Errorf("%s", strings.TrimPrefix(msg[i+2:], " "))
	}
	return err
}

// notChecked starts the message of a check that another's failure keeps
// from running.
const notChecked = "not checked: "

// unknownBecause is the check a cluster that is down gives for name.
func unknownBecause(name, cluster, why string) Check {
	return Check{Name: name, Status: Unknown, Message: notChecked + cluster + " is unreachable: " + why}
}
