package diag

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/kubeconfig"
	"github.com/localcluster/localcluster/internal/mesh"
)

// releases are the Helm releases localcluster installs.
var releases = []struct{ name, namespace string }{
	{"metallb", helm.MetalLBNamespace},
	{"lb-pool", helm.MetalLBNamespace},
	{mesh.CRDsReleaseName, mesh.LinkerdNamespace},
	{mesh.ControlPlaneReleaseName, mesh.LinkerdNamespace},
	{mesh.MulticlusterReleaseName, mesh.MulticlusterNamespace},
}

// journals are the node's services whose journal is kept, where the node
// runs systemd (kind nodes; k3s logs to the container's output).
var journals = []string{"kubelet", "containerd"}

func (b *bundle) docker(ctx context.Context, o Options) *dockernet.Client {
	connect := o.Docker
	if connect == nil {
		connect = dockernet.New
	}
	cctx, cancel := context.WithTimeout(ctx, 3*o.Timeout)
	defer cancel()
	d, err := connect(cctx)
	if err != nil {
		b.fail("Docker", err)
		return nil
	}
	if data, err := d.NetworkJSON(cctx, o.Plan.Network.Name); err != nil {
		b.fail("Docker network "+o.Plan.Network.Name, err)
	} else {
		b.add("docker/network.json", data)
	}
	return d
}

// node collects the cluster's node containers: inspect, logs, journals.
func (b *bundle) node(ctx context.Context, o Options, d *dockernet.Client, c *addrplan.Cluster) {
	if d == nil || !o.Traits(c).Nodes {
		return
	}
	nodes, err := d.Nodes(ctx, "")
	if err != nil {
		b.fail(c.Name+": node containers", err)
		return
	}
	found := false
	for _, n := range nodes {
		if n.Cluster != c.Name {
			continue
		}
		found = true
		dir := "clusters/" + c.Name + "/node/" + n.Container + "/"
		if data, err := d.InspectJSON(ctx, n.Container); err != nil {
			b.fail(n.Container+": inspect", err)
		} else {
			b.add(dir+"inspect.json", data)
		}
		if data, err := d.Logs(ctx, n.Container, logTail); err != nil {
			b.fail(n.Container+": logs", err)
		} else {
			b.add(dir+"logs.txt", data)
		}
		if !n.Running {
			continue
		}
		for _, unit := range journals {
			out, err := d.Exec(ctx, n.Container, "journalctl", "--no-pager", "-u", unit, "-n", fmt.Sprint(logTail))
			if err != nil {
				b.fail(n.Container+": journal of "+unit, err)
				continue
			}
			b.add(dir+"journal-"+unit+".txt", []byte(out))
		}
	}
	if !found {
		b.fail(c.Name, fmt.Errorf("no node container on Docker"))
	}
}

// kube collects from the cluster's API server.
func (b *bundle) kube(ctx context.Context, o Options, c *addrplan.Cluster) {
	path, kctx := o.KubeTarget(c)
	cfg, err := kubeconfig.RESTConfig(path, kctx)
	if err != nil {
		b.fail(c.Name+": context "+kctx, err)
		return
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = o.Timeout
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.fail(c.Name, err)
		return
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		b.fail(c.Name, err)
		return
	}
	dir := "clusters/" + c.Name + "/"
	ev, err := cs.CoreV1().Events(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		b.fail(c.Name+": events", err)
		return // the API server does not answer: nothing else will
	}
	b.addYAML(c.Name+": events", dir+"events.yaml", ev)
	if links, err := dyn.Resource(mesh.LinkGVR).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{}); err != nil {
		b.fail(c.Name+": links", err)
	} else {
		for i := range links.Items {
			unstructured.RemoveNestedField(links.Items[i].Object, "metadata", "managedFields")
		}
		b.addYAML(c.Name+": links", dir+"links.yaml", links)
	}
	if svcs, err := cs.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: "mirror.linkerd.io/cluster-name"}); err != nil {
		b.fail(c.Name+": mirrored services", err)
	} else {
		for i := range svcs.Items {
			svcs.Items[i].ManagedFields = nil
		}
		b.addYAML(c.Name+": mirrored services", dir+"mirrored-services.yaml", svcs)
	}
	client, err := helm.NewFromREST(cfg)
	if err != nil {
		b.fail(c.Name+": helm", err)
		return
	}
	for _, r := range releases {
		hist, err := client.History(ctx, r.name, r.namespace)
		switch {
		case err != nil:
			b.fail(fmt.Sprintf("%s: helm history of %s/%s", c.Name, r.namespace, r.name), err)
		case len(hist) > 0:
			b.addYAML(c.Name+": helm history", dir+"helm/"+r.namespace+"/"+r.name+".yaml", hist)
		}
	}
}

func (b *bundle) addYAML(what, name string, v any) {
	data, err := yaml.Marshal(v)
	if err != nil {
		b.fail(what, err)
		return
	}
	b.add(name, data)
}

func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
