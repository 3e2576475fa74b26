package health

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/mesh"
)

var ipPoolGVR = schema.GroupVersionResource{Group: "metallb.io", Version: "v1beta1", Resource: "ipaddresspools"}

type releaseRef struct{ name, namespace string }

// linkerdCheck: Linkerd's three releases are deployed and the workloads
// they made are ready. Service-mirror controllers are judged per link.
func linkerdCheck(ctx context.Context, o *Options, s *clusterState) Check {
	if s.cs == nil || s.apiErr != nil {
		return unknownBecause(CheckLinkerd, s.plan.Name, s.down)
	}
	releases := []releaseRef{
		{mesh.CRDsReleaseName, mesh.LinkerdNamespace},
		{mesh.ControlPlaneReleaseName, mesh.LinkerdNamespace},
		{mesh.MulticlusterReleaseName, mesh.MulticlusterNamespace},
	}
	return releasesCheck(ctx, s, CheckLinkerd, releases, o.Fixes.linkerd(s.plan.Name))
}

// lbCheck: on kind, MetalLB and the cluster's pool are deployed and the
// pool holds the planned addresses; k3d and external clusters bring their
// own load balancer.
func lbCheck(ctx context.Context, o *Options, s *clusterState) Check {
	ch := Check{Name: CheckLB}
	c := s.plan
	switch {
	case s.external:
		ch.Status, ch.Message = Skipped, "external cluster: its provider's load balancer"
		return ch
	case !s.traits.MetalLB:
		ch.Status, ch.Message = Skipped, c.Def.Provider+": the provider's own service load balancer"
		return ch
	case len(c.LBPools()) == 0:
		ch.Status, ch.Message = Skipped, "subnet nybble 0: no LoadBalancer pool"
		return ch
	case s.cs == nil || s.apiErr != nil:
		return unknownBecause(CheckLB, c.Name, s.down)
	}
	fix := o.Fixes.lb(c.Name)
	releases := []releaseRef{{"metallb", helm.MetalLBNamespace}, {helm.LBPoolRelease(nil).Name, helm.MetalLBNamespace}}
	if ch = releasesCheck(ctx, s, CheckLB, releases, fix); ch.Status != OK {
		return ch
	}
	pools, err := s.dyn.Resource(ipPoolGVR).Namespace(helm.MetalLBNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		ch.Status, ch.Message = Unknown, "reading MetalLB's address pools: "+shortErr(err).Error()
		return ch
	}
	var have []string
	for _, p := range pools.Items {
		addrs, _, _ := unstructured.NestedStringSlice(p.Object, "spec", "addresses")
		have = append(have, addrs...)
	}
	var missing []string
	var want []string
	for _, p := range c.LBPools() {
		want = append(want, p.String())
		if !slices.Contains(have, p.String()) {
			missing = append(missing, p.String())
		}
	}
	if len(missing) > 0 {
		ch.Status, ch.Fix = Fail, fix
		ch.Message = fmt.Sprintf("no IPAddressPool in %s holds %s", helm.MetalLBNamespace, strings.Join(missing, ", "))
		return ch
	}
	ch.Message = "MetalLB deployed, pool " + strings.Join(want, ", ")
	return ch
}

// releasesCheck reads the releases from Helm's storage and the workloads
// their manifests hold.
func releasesCheck(ctx context.Context, s *clusterState, name string, releases []releaseRef, fix string) Check {
	ch := Check{Name: name}
	client, err := helm.NewFromREST(s.rest)
	if err != nil {
		ch.Status, ch.Message = Unknown, err.Error()
		return ch
	}
	var problems, deployed []string
	workloads := 0
	for _, r := range releases {
		st, err := client.State(ctx, r.name, r.namespace)
		switch {
		case err != nil:
			ch.Status, ch.Message = Unknown, shortErr(err).Error()
			return ch
		case !st.Exists():
			problems = append(problems, fmt.Sprintf("release %s/%s is not installed", r.namespace, r.name))
			continue
		case !st.Deployed():
			problems = append(problems, fmt.Sprintf("release %s/%s is %s (revision %d)", r.namespace, r.name, st.Status, st.Revision))
			continue
		}
		deployed = append(deployed, fmt.Sprintf("%s %s", r.name, st.Chart))
		ws, err := manifestWorkloads(st.Manifest, r.namespace)
		if err != nil {
			problems = append(problems, fmt.Sprintf("release %s/%s: %v", r.namespace, r.name, err))
			continue
		}
		for _, w := range ws {
			if w.perLink() {
				continue
			}
			workloads++
			if p := workloadProblem(ctx, s, w); p != "" {
				problems = append(problems, p)
			}
		}
	}
	if len(problems) > 0 {
		ch.Status, ch.Message, ch.Fix = Fail, strings.Join(problems, "; "), fix
		return ch
	}
	ch.Status = OK
	ch.Message = fmt.Sprintf("deployed: %s; %d workloads ready", strings.Join(deployed, ", "), workloads)
	return ch
}

// workload is a Deployment, StatefulSet or DaemonSet of a release.
type workload struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
}

// perLink tells the service-mirror controllers, which the link checks
// judge, from the rest.
func (w workload) perLink() bool {
	return w.Metadata.Labels["component"] == "controller" && w.Metadata.Labels[mirrorClusterLabel] != ""
}

func manifestWorkloads(manifest, namespace string) ([]workload, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(manifest)), 4096)
	var out []workload
	for {
		var w workload
		err := dec.Decode(&w)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch w.Kind {
		case "Deployment", "StatefulSet", "DaemonSet":
			if w.Metadata.Namespace == "" {
				w.Metadata.Namespace = namespace
			}
			out = append(out, w)
		}
	}
}

// workloadProblem says what keeps a workload from being ready, or "".
func workloadProblem(ctx context.Context, s *clusterState, w workload) string {
	ns, name := w.Metadata.Namespace, w.Metadata.Name
	id := fmt.Sprintf("%s %s/%s", w.Kind, ns, name)
	apps := s.cs.AppsV1()
	var want, ready int32
	var err error
	switch w.Kind {
	case "Deployment":
		d, e := apps.Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err = e; err == nil {
			want, ready = replicas(d.Spec.Replicas), d.Status.AvailableReplicas
		}
	case "StatefulSet":
		d, e := apps.StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err = e; err == nil {
			want, ready = replicas(d.Spec.Replicas), d.Status.ReadyReplicas
		}
	case "DaemonSet":
		d, e := apps.DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err = e; err == nil {
			want, ready = d.Status.DesiredNumberScheduled, d.Status.NumberReady
		}
	}
	switch {
	case apierrors.IsNotFound(err):
		return id + " is missing"
	case err != nil:
		return id + ": " + shortErr(err).Error()
	case want == 0 && w.Kind != "DaemonSet":
		return id + " is scaled to 0"
	case ready < want:
		return fmt.Sprintf("%s: %d of %d ready", id, ready, want)
	}
	return ""
}

func replicas(n *int32) int32 {
	if n == nil {
		return 1
	}
	return *n
}
