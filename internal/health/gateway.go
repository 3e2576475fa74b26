package health

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// gatewayCheck is linkerd2's "probe services able to communicate with all
// gateway mirrors", for links through a gateway only: the probe Service
// has endpoints, and the service mirror holding the link's lease says the
// gateway is alive (its gateway_alive metric, read through the API
// server's pod proxy rather than a port-forward).
func gatewayCheck(ctx context.Context, o *Options, l Link, lv *linkView, src *clusterState) Check {
	ch := Check{Name: CheckGateway, Fix: o.Fixes.link(l)}
	if lv.spec.GatewayAddress == "" || lv.spec.ProbeSpec.Path == "" {
		ch.Status, ch.Message, ch.Fix = Skipped, "pod-to-pod link: no gateway to probe", ""
		return ch
	}
	probes, err := src.cs.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		LabelSelector: mirroredGatewayLabel + "," + mirrorClusterLabel + "=" + l.Target,
	})
	switch {
	case err != nil:
		ch.Status, ch.Message, ch.Fix = Unknown, shortErr(err).Error(), ""
		return ch
	case len(probes.Items) != 1:
		ch.Status, ch.Message = Fail, fmt.Sprintf("%d probe Services for %s, want one", len(probes.Items), l.Target)
		return ch
	}
	probe := probes.Items[0]
	if !hasEndpoints(ctx, src.cs, probe.Namespace, probe.Name) {
		ch.Status = Fail
		ch.Message = fmt.Sprintf("probe Service %s/%s has no endpoints (the service mirror points them at the gateway %s)", probe.Namespace, probe.Name, lv.spec.GatewayAddress)
		return ch
	}
	alive, pod, err := gatewayAlive(ctx, src, lv.namespace, l.Target)
	if err != nil {
		ch.Status, ch.Message, ch.Fix = Unknown, "cannot ask the service mirror: "+err.Error(), ""
		return ch
	}
	if alive != 1 {
		ch.Status = Fail
		ch.Message = fmt.Sprintf("the gateway of %s at %s does not answer its probe on port %s (gateway_alive %g in %s)",
			l.Target, lv.spec.GatewayAddress, lv.spec.ProbeSpec.Port, alive, pod)
		return ch
	}
	ch.Status, ch.Fix = OK, ""
	ch.Message = fmt.Sprintf("probe Service %s/%s has endpoints; %s reports the gateway alive", probe.Namespace, probe.Name, pod)
	return ch
}

// gatewayAlive reads gateway_alive for target from the service-mirror pod
// that holds the link's lease: only the leader probes.
func gatewayAlive(ctx context.Context, src *clusterState, namespace, target string) (float64, string, error) {
	lease, err := src.cs.CoordinationV1().Leases(namespace).Get(ctx, "service-mirror-write-"+target, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return 0, "", fmt.Errorf("no Lease %s/service-mirror-write-%s: no service mirror has run", namespace, target)
	case err != nil:
		return 0, "", shortErr(err)
	case lease.Spec.HolderIdentity == nil:
		return 0, "", fmt.Errorf("the lease %s/service-mirror-write-%s has no holder", namespace, target)
	}
	pods, err := src.cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{
		LabelSelector: controllerPodSelector + "," + mirrorClusterLabel + "=" + target,
	})
	if err != nil {
		return 0, "", shortErr(err)
	}
	var leader *corev1.Pod
	for i := range pods.Items {
		if pods.Items[i].Name == *lease.Spec.HolderIdentity {
			leader = &pods.Items[i]
		}
	}
	if leader == nil || leader.Status.Phase != corev1.PodRunning {
		return 0, "", fmt.Errorf("the lease holder %s is not a running service-mirror pod", *lease.Spec.HolderIdentity)
	}
	port, err := adminPort(leader)
	if err != nil {
		return 0, "", err
	}
	body, err := src.cs.CoreV1().Pods(namespace).ProxyGet("http", leader.Name, strconv.Itoa(int(port)), "/metrics", nil).DoRaw(ctx)
	if err != nil {
		return 0, "", fmt.Errorf("metrics of %s: %w", leader.Name, shortErr(err))
	}
	v, ok := gaugeFor(body, "gateway_alive", "target_cluster_name", target)
	if !ok {
		return 0, "", fmt.Errorf("%s has no gateway_alive metric for %s", leader.Name, target)
	}
	return v, "pod " + leader.Name, nil
}

// adminPort is the service mirror's admin port: the port of its
// controller (or legacy service-mirror) container whose name ends in
// "-admin" (ctrl-admin, 9999, in the chart).
func adminPort(p *corev1.Pod) (int32, error) {
	for _, c := range p.Spec.Containers {
		if c.Name != "controller" && c.Name != "service-mirror" {
			continue
		}
		for _, cp := range c.Ports {
			if strings.HasSuffix(cp.Name, "-admin") {
				return cp.ContainerPort, nil
			}
		}
	}
	return 0, fmt.Errorf("pod %s has no controller container with an admin port", p.Name)
}

// gaugeFor finds, in Prometheus' text format, the sample of metric whose
// label has value.
func gaugeFor(body []byte, metric, label, value string) (float64, bool) {
	want := label + `="` + value + `"`
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, metric+"{")
		if !ok {
			continue
		}
		labels, sample, ok := strings.Cut(rest, "}")
		if !ok || !hasLabel(labels, want) {
			continue
		}
		fields := strings.Fields(sample)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		return v, true
	}
	return 0, false
}

func hasLabel(labels, want string) bool {
	for _, l := range strings.Split(labels, ",") {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}
