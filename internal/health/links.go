package health

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/localcluster/localcluster/internal/mesh"
)

// Labels and names of the service mirror, as linkerd2's pkg/k8s/labels.go
// and multicluster/cmd/check.go use them.
const (
	mirrorClusterLabel      = "mirror.linkerd.io/cluster-name"
	mirroredServiceLabel    = "mirror.linkerd.io/mirrored-service"
	mirroredGatewayLabel    = "mirror.linkerd.io/mirrored-gateway"
	remoteDiscoveryLabel    = "multicluster.linkerd.io/remote-discovery"
	remoteDiscoveryAnno     = "multicluster.linkerd.io/remote-discovery"
	localDiscoveryAnno      = "multicluster.linkerd.io/local-discovery"
	controllerComponents    = "component in (service-mirror, controller)"
	controllerPodSelector   = "component in (linkerd-service-mirror, controller)"
	gatewayProbePortName    = "mc-probe"
	defaultGatewayProbePort = "4191"
)

// Link check names, stable for scripts.
const (
	CheckLink        = "link"
	CheckCredentials = "credentials"
	CheckController  = "controller"
	CheckGateway     = "gateway"
	CheckMirrors     = "mirrors"
)

// linkView is the Link resource as the checks read it.
type linkView struct {
	namespace string
	spec      mesh.LinkResourceSpec
}

func checkLink(ctx context.Context, o *Options, l Link, src, dst *clusterState) LinkReport {
	rep := LinkReport{Source: l.Source, Target: l.Target, Mode: ModePodToPod}
	if l.Gateway {
		rep.Mode = ModeGateway
	}
	names := []string{CheckLink, CheckCredentials, CheckController, CheckGateway, CheckMirrors}
	if src == nil || src.cs == nil || src.apiErr != nil {
		why := "it was not probed"
		if src != nil {
			why = src.down
		}
		for _, n := range names {
			rep.Checks = append(rep.Checks, unknownBecause(n, l.Source, why))
		}
		return rep
	}
	lv, linkCheck := readLink(ctx, o, l, src, dst)
	rep.Checks = append(rep.Checks, linkCheck)
	if lv == nil {
		for _, n := range names[1:] {
			rep.Checks = append(rep.Checks, Check{Name: n, Status: Unknown, Message: "not checked: no valid Link"})
		}
		return rep
	}
	rep.Checks = append(rep.Checks,
		credentialsCheck(ctx, o, l, lv, src, dst),
		controllerCheck(ctx, o, l, src),
		gatewayCheck(ctx, o, l, lv, src),
		mirrorsCheck(ctx, o, l, src),
	)
	return rep
}

// readLink reads and judges the Link resource named after the target, as
// link-gen writes it; it returns nil when there is no usable Link.
func readLink(ctx context.Context, o *Options, l Link, src, dst *clusterState) (*linkView, Check) {
	ch := Check{Name: CheckLink, Fix: o.Fixes.link(l)}
	u, err := src.dyn.Resource(mesh.LinkGVR).Namespace(mesh.MulticlusterNamespace).Get(ctx, l.Target, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		ch.Status, ch.Message = Fail, fmt.Sprintf("no Link %s/%s in %s", mesh.MulticlusterNamespace, l.Target, l.Source)
		return nil, ch
	case err != nil:
		ch.Status, ch.Message, ch.Fix = Unknown, "reading the Link: "+shortErr(err).Error(), ""
		return nil, ch
	}
	lv := &linkView{namespace: u.GetNamespace()}
	if err := fromUnstructured(u, &lv.spec); err != nil {
		ch.Status, ch.Message = Fail, fmt.Sprintf("Link %s: %v", l.Target, err)
		return nil, ch
	}
	sp := lv.spec
	var problems []string
	if sp.TargetClusterName != l.Target {
		problems = append(problems, fmt.Sprintf("targetClusterName is %q", sp.TargetClusterName))
	}
	if sp.ClusterCredentialsSecret == "" {
		problems = append(problems, "no clusterCredentialsSecret")
	}
	if sp.TargetClusterLinkerdNamespace == "" {
		problems = append(problems, "no targetClusterLinkerdNamespace")
	}
	hasGateway := sp.GatewayAddress != ""
	switch {
	case l.Gateway && !hasGateway:
		problems = append(problems, "no gatewayAddress, but the lab links through the gateway")
	case !l.Gateway && hasGateway:
		problems = append(problems, fmt.Sprintf("it goes through the gateway at %s, but the lab links pod-to-pod", sp.GatewayAddress))
	case l.Gateway:
		problems = append(problems, gatewayFieldProblems(ctx, sp, dst)...)
	}
	if len(problems) > 0 {
		ch.Status, ch.Message = Fail, fmt.Sprintf("Link %s: %s", l.Target, strings.Join(problems, "; "))
		return nil, ch
	}
	ch.Status, ch.Fix = OK, ""
	if l.Gateway {
		ch.Message = fmt.Sprintf("Link %s through the gateway at %s:%s, probe %s on port %s", l.Target, sp.GatewayAddress, sp.GatewayPort, sp.ProbeSpec.Path, sp.ProbeSpec.Port)
	} else {
		ch.Message = fmt.Sprintf("Link %s, pod-to-pod (no gateway)", l.Target)
	}
	return lv, ch
}

// gatewayFieldProblems compares a gateway Link's fields with the target's
// gateway Service, when the target answers: the address and the probe
// port must be the ones the gateway has.
func gatewayFieldProblems(ctx context.Context, sp mesh.LinkResourceSpec, dst *clusterState) []string {
	var problems []string
	if sp.GatewayPort == "" || sp.ProbeSpec.Path == "" || sp.ProbeSpec.Port == "" {
		problems = append(problems, "gatewayPort or probeSpec missing")
	}
	if dst == nil || dst.cs == nil || dst.apiErr != nil {
		return problems
	}
	svc, err := dst.cs.CoreV1().Services(mesh.MulticlusterNamespace).Get(ctx, mesh.GatewayServiceName, metav1.GetOptions{})
	if err != nil {
		return append(problems, fmt.Sprintf("the target's gateway Service %s/%s: %v", mesh.MulticlusterNamespace, mesh.GatewayServiceName, shortErr(err)))
	}
	var addrs []string
	for _, in := range svc.Status.LoadBalancer.Ingress {
		addrs = append(addrs, in.IP, in.Hostname)
	}
	if !contains(addrs, sp.GatewayAddress) {
		problems = append(problems, fmt.Sprintf("gatewayAddress %s is not the target's gateway address %v", sp.GatewayAddress, nonEmpty(addrs)))
	}
	for _, p := range svc.Spec.Ports {
		if p.Name == gatewayProbePortName && fmt.Sprint(p.Port) != sp.ProbeSpec.Port {
			problems = append(problems, fmt.Sprintf("the probe goes to port %s, but the gateway answers probes on %d", sp.ProbeSpec.Port, p.Port))
		}
	}
	return problems
}

// credentialsCheck uses the credentials the service mirror uses, as it
// uses them: the kubeconfig in the Secret the Link names, toward the
// target's node address (the network the service mirror runs on, not the
// host's view), and asks the target whether they may get, list and
// watch Services everywhere.
func credentialsCheck(ctx context.Context, o *Options, l Link, lv *linkView, src, dst *clusterState) Check {
	ch := Check{Name: CheckCredentials, Fix: o.Fixes.link(l)}
	cfg, problem := readCredentials(ctx, lv, src)
	if problem != nil {
		if problem.Status == Unknown {
			ch.Fix = ""
		}
		ch.Status, ch.Message = problem.Status, problem.Message
		return ch
	}
	switch {
	case dst.peerURL == "":
		ch.Status, ch.Message, ch.Fix = Unknown, fmt.Sprintf("not checked: the address of %s is unknown: %s", l.Target, dst.down), ""
		return ch
	case cfg.Host != dst.peerURL:
		ch.Status = Fail
		ch.Message = fmt.Sprintf("they point at %s, but %s's API server is at %s on the lab network", cfg.Host, l.Target, dst.peerURL)
		return ch
	case dst.apiErr != nil:
		ch.Status, ch.Message, ch.Fix = Unknown, fmt.Sprintf("not checked: %s is unreachable: %s", l.Target, dst.down), ""
		return ch
	}
	cfg.Timeout = o.timeout()
	cfg.WarningHandler = rest.NoWarnings{}
	// The server is the right one for the service mirror; the token and
	// its permissions are tried from here, where this machine reaches the
	// target (the published port on Docker Desktop).
	via := ""
	if dst.rest != nil && dst.rest.Host != cfg.Host {
		via = " (tried through " + dst.rest.Host + ")"
		cfg.Host = dst.rest.Host
		cfg.ServerName = hostOf(dst.peerURL)
	}
	status, msg := useCredentials(ctx, cfg, l.Target)
	ch.Status, ch.Message = status, msg+via
	if status == OK {
		ch.Fix = ""
		ch.Message = fmt.Sprintf("Secret %s works at %s%s and %s", lv.spec.ClusterCredentialsSecret, dst.peerURL, via, msg)
	}
	return ch
}

// readCredentials reads the kubeconfig of the Secret the Link names, and
// checks that the destination controller's copy in Linkerd's namespace
// is the same.
func readCredentials(ctx context.Context, lv *linkView, src *clusterState) (*rest.Config, *Check) {
	name := lv.spec.ClusterCredentialsSecret
	var kubeconfigs [][]byte
	for _, ns := range []string{lv.namespace, mesh.LinkerdNamespace} {
		s, err := src.cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return nil, &Check{Status: Fail, Message: fmt.Sprintf("no Secret %s/%s in %s", ns, name, src.plan.Name)}
		case err != nil:
			return nil, &Check{Status: Unknown, Message: "reading the credentials: " + shortErr(err).Error()}
		}
		kubeconfigs = append(kubeconfigs, s.Data[mesh.KubeconfigKey])
	}
	if string(kubeconfigs[1]) != string(kubeconfigs[0]) {
		return nil, &Check{Status: Fail, Message: fmt.Sprintf("the destination controller's copy %s/%s differs from %s/%s", mesh.LinkerdNamespace, name, lv.namespace, name)}
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfigs[0])
	if err != nil {
		return nil, &Check{Status: Fail, Message: fmt.Sprintf("Secret %s/%s: %v", lv.namespace, name, err)}
	}
	return cfg, nil
}

// useCredentials does what the service mirror does with them: reach the
// target and watch its Services.
func useCredentials(ctx context.Context, cfg *rest.Config, target string) (Status, string) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return Fail, err.Error()
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		if apierrors.IsUnauthorized(err) {
			return Fail, fmt.Sprintf("%s's API server at %s rejects their token (401 Unauthorized): it was revoked or belongs to an older install", target, cfg.Host)
		}
		return Fail, fmt.Sprintf("%s's API server at %s refuses them: %v", target, cfg.Host, shortErr(err))
	}
	var denied []string
	for _, verb := range []string{"get", "list", "watch"} {
		ok, err := canAccessServices(ctx, cs, verb)
		if err != nil {
			return Unknown, "asking whether they may " + verb + " Services: " + shortErr(err).Error()
		}
		if !ok {
			denied = append(denied, verb)
		}
	}
	if len(denied) > 0 {
		return Fail, fmt.Sprintf("they may not %s Services in %s", strings.Join(denied, ", "), target)
	}
	return OK, "may get, list and watch Services"
}

func canAccessServices(ctx context.Context, cs kubernetes.Interface, verb string) (bool, error) {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Version: "v1", Resource: "services"},
	}}
	r, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	return r.Status.Allowed, nil
}

// controllerCheck: exactly one service-mirror Deployment for the target,
// with a replica available (linkerd2: "service mirror controllers are
// running").
func controllerCheck(ctx context.Context, o *Options, l Link, src *clusterState) Check {
	ch := Check{Name: CheckController, Fix: o.Fixes.link(l)}
	list, err := src.cs.AppsV1().Deployments(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		LabelSelector: controllerComponents + "," + mirrorClusterLabel + "=" + l.Target,
	})
	switch {
	case err != nil:
		ch.Status, ch.Message, ch.Fix = Unknown, shortErr(err).Error(), ""
		return ch
	case len(list.Items) == 0:
		ch.Status, ch.Message = Fail, "no service-mirror Deployment for "+l.Target
		return ch
	case len(list.Items) > 1:
		ch.Status, ch.Message = Fail, fmt.Sprintf("%d service-mirror Deployments for %s, want one", len(list.Items), l.Target)
		return ch
	}
	d := list.Items[0]
	want := replicas(d.Spec.Replicas)
	if d.Status.AvailableReplicas < 1 {
		ch.Status = Fail
		ch.Message = fmt.Sprintf("Deployment %s/%s has no replica available (%d wanted)", d.Namespace, d.Name, want)
		if want == 0 {
			ch.Message = fmt.Sprintf("Deployment %s/%s is scaled to 0", d.Namespace, d.Name)
			ch.Fix = fmt.Sprintf("kubectl --context %s -n %s scale deployment %s --replicas=1", src.kubeContext, d.Namespace, d.Name)
		}
		return ch
	}
	ch.Status, ch.Fix = OK, ""
	ch.Message = fmt.Sprintf("Deployment %s/%s: %d of %d available", d.Namespace, d.Name, d.Status.AvailableReplicas, want)
	return ch
}

// mirrorsCheck: every Service mirrored from the target has endpoints,
// except remote-discovery and federated Services, which have none by
// design (linkerd2: "all mirror services have endpoints").
func mirrorsCheck(ctx context.Context, o *Options, l Link, src *clusterState) Check {
	ch := Check{Name: CheckMirrors, Fix: o.Fixes.link(l)}
	selector := fmt.Sprintf("%s,!%s,!%s,%s=%s", mirroredServiceLabel, mirroredGatewayLabel, remoteDiscoveryLabel, mirrorClusterLabel, l.Target)
	svcs, err := src.cs.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		ch.Status, ch.Message, ch.Fix = Unknown, shortErr(err).Error(), ""
		return ch
	}
	var empty []string
	n := 0
	for _, svc := range svcs.Items {
		if svc.Annotations[remoteDiscoveryAnno] != "" || svc.Annotations[localDiscoveryAnno] != "" {
			continue
		}
		n++
		if !hasEndpoints(ctx, src.cs, svc.Namespace, svc.Name) {
			empty = append(empty, svc.Namespace+"/"+svc.Name)
		}
	}
	if len(empty) > 0 {
		ch.Status = Fail
		ch.Message = fmt.Sprintf("mirrored from %s without endpoints: %s", l.Target, strings.Join(empty, ", "))
		return ch
	}
	ch.Status, ch.Fix = OK, ""
	ch.Message = "no mirrored Services"
	if n > 0 {
		ch.Message = fmt.Sprintf("%s, all with endpoints", plural(n, "mirrored Service"))
	}
	return ch
}

// hasEndpoints reads the Endpoints object, as the service mirror writes
// Endpoints (not EndpointSlices) for the Services it mirrors.
func hasEndpoints(ctx context.Context, cs kubernetes.Interface, namespace, name string) bool {
	//nolint:staticcheck // the service mirror writes core/v1 Endpoints; linkerd2's check reads the same
	ep, err := cs.CoreV1().Endpoints(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return false
	}
	for _, s := range ep.Subsets {
		if len(s.Addresses) > 0 {
			return true
		}
	}
	return false
}

// orphansCheck: every mirrored Service belongs to a Link (linkerd2: "all
// mirror services are part of a Link").
func orphansCheck(ctx context.Context, o *Options, s *clusterState) Check {
	ch := Check{Name: CheckOrphans}
	if s.cs == nil || s.apiErr != nil {
		return unknownBecause(CheckOrphans, s.plan.Name, s.down)
	}
	selector := fmt.Sprintf("%s,!%s,%s", mirroredServiceLabel, mirroredGatewayLabel, mirrorClusterLabel)
	svcs, err := s.cs.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		ch.Status, ch.Message = Unknown, shortErr(err).Error()
		return ch
	}
	if len(svcs.Items) == 0 {
		ch.Status, ch.Message = OK, "no mirrored Services"
		return ch
	}
	links, err := s.dyn.Resource(mesh.LinkGVR).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		ch.Status, ch.Message = Unknown, "reading the Links: "+shortErr(err).Error()
		return ch
	}
	targets := map[string]bool{}
	if links != nil {
		for _, u := range links.Items {
			t, _, _ := unstructured.NestedString(u.Object, "spec", "targetClusterName")
			targets[t] = true
		}
	}
	var orphans, fixes []string
	seen := map[string]bool{}
	for _, svc := range svcs.Items {
		t := svc.Labels[mirrorClusterLabel]
		if targets[t] {
			continue
		}
		orphans = append(orphans, fmt.Sprintf("%s/%s (from %s)", svc.Namespace, svc.Name, t))
		if !seen[t] {
			seen[t] = true
			fixes = append(fixes, o.Fixes.unlink(s.plan.Name, t))
		}
	}
	if len(orphans) > 0 {
		ch.Status, ch.Fix = Fail, strings.Join(fixes, " && ")
		ch.Message = "mirrored Services of no Link: " + strings.Join(orphans, ", ")
		return ch
	}
	ch.Status, ch.Message = OK, plural(len(svcs.Items), "mirrored Service")+", all part of a Link"
	return ch
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s && s != "" {
			return true
		}
	}
	return false
}

func nonEmpty(list []string) []string {
	var out []string
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// fromUnstructured reads a Link's spec.
func fromUnstructured(u *unstructured.Unstructured, spec *mesh.LinkResourceSpec) error {
	m, ok, err := unstructured.NestedMap(u.Object, "spec")
	if err != nil || !ok {
		return fmt.Errorf("no spec: %v", err)
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(m, spec)
}

// plural is "1 route", "2 routes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// hostOf is the host of a URL, without port or brackets.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
