package health

import (
	"context"
	"sync"
	"time"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/provider"
)

// DefaultTimeout bounds each call to an API server.
const DefaultTimeout = 5 * time.Second

// Link is a link the lab declares: Target's services mirrored into Source.
type Link struct {
	Source, Target string
	Gateway        bool
}

// Options say what to check and with what.
type Options struct {
	Plan     *addrplan.Plan
	Clusters []string // the clusters to check; the links from or to them are checked too
	Links    []Link   // every link the lab declares

	// KubeTarget names the kubeconfig file and context through which this
	// process reaches a cluster.
	KubeTarget func(c *addrplan.Cluster) (path, context string)
	// Traits say what the lab does with a cluster (its provider's traits):
	// whether it has a node container here, whether it needs MetalLB.
	Traits   func(c *addrplan.Cluster) provider.Traits
	TrustDir string
	// Docker connects to the Docker engine.
	Docker func(ctx context.Context) (*dockernet.Client, error)
	Fixes  Fixes
	// Timeout bounds each API call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock for certificate validity; nil means time.Now.
	Now func() time.Time
}

func (o *Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Run checks the lab once, every cluster and link in parallel, and
// reports. It never fails: what cannot be checked is reported as unknown,
// with the reason.
func Run(ctx context.Context, o Options) *Report {
	r := &Report{Network: o.Plan.Network.Name}
	docker := probeDocker(ctx, &o)
	if docker.client != nil {
		defer func() { _ = docker.client.Close() }()
	}

	// Every cluster a checked link touches is probed: a link's checks need
	// both ends.
	selected := map[string]bool{}
	for _, n := range o.Clusters {
		selected[n] = true
	}
	var links []Link
	involved := map[string]bool{}
	for _, l := range o.Links {
		if selected[l.Source] || selected[l.Target] {
			links = append(links, l)
			involved[l.Source], involved[l.Target] = true, true
		}
	}
	for n := range selected {
		involved[n] = true
	}

	states := map[string]*clusterState{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range o.Plan.Clusters {
		if !involved[c.Name] {
			continue
		}
		wg.Go(func() {
			s := probeCluster(ctx, &o, c, docker)
			mu.Lock()
			states[c.Name] = s
			mu.Unlock()
		})
	}
	wg.Wait()

	anchor := readAnchor(o.TrustDir)
	for _, name := range o.Clusters {
		r.Clusters = append(r.Clusters, ClusterReport{Name: name})
	}
	r.Links = make([]LinkReport, len(links))
	for i := range r.Clusters {
		s := states[r.Clusters[i].Name]
		wg.Go(func() { r.Clusters[i] = checkCluster(ctx, &o, s, states, docker, anchor) })
	}
	for i, l := range links {
		wg.Go(func() { r.Links[i] = checkLink(ctx, &o, l, states[l.Source], states[l.Target]) })
	}
	wg.Wait()
	r.finish()
	return r
}

// dockerView is what Docker told about the lab's nodes, once per run.
type dockerView struct {
	client *dockernet.Client
	nodes  []dockernet.Node
	err    error // why there is no view
}

func probeDocker(ctx context.Context, o *Options) dockerView {
	connect := o.Docker
	if connect == nil {
		connect = dockernet.New
	}
	ctx, cancel := context.WithTimeout(ctx, 3*o.timeout())
	defer cancel()
	d, err := connect(ctx)
	if err != nil {
		return dockerView{err: err}
	}
	nodes, err := d.Nodes(ctx, o.Plan.Network.Name)
	if err != nil {
		_ = d.Close()
		return dockerView{err: err}
	}
	return dockerView{client: d, nodes: nodes}
}
