package mesh

import (
	"context"
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/localcluster/localcluster/internal/helm"
)

func TestLinkGatewayAndPodToPod(t *testing.T) {
	skipShort(t)
	l := startLab(t, "east", "west", "north")
	l.ensureAll(t, standInCharts(t), meshLab()...)
	ctx := context.Background()

	if _, err := GenerateLink(ctx, l.endpoint("east", ""), true); !errors.Is(err, ErrNotReady) {
		t.Fatalf("link-gen before the token controller ran: %v, want ErrNotReady", err)
	}
	eastToken := l.fillToken(t, "east")
	if _, err := GenerateLink(ctx, l.endpoint("east", ""), true); !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "load-balancer address") {
		t.Fatalf("link-gen before the gateway has an address: %v, want ErrNotReady", err)
	}
	l.fillToken(t, "west")
	if _, err := GenerateLink(ctx, l.endpoint("west", ""), true); err == nil || !strings.Contains(err.Error(), "gateway service linkerd-multicluster/linkerd-gateway not found") {
		t.Fatalf("gateway link to a cluster without gateway: %v", err)
	}
	l.setGatewayAddress(t, "east", "172.18.0.200")

	t.Run("gateway", func(t *testing.T) {
		objs, err := GenerateLink(ctx, l.endpoint("east", ""), true)
		if err != nil {
			t.Fatal(err)
		}
		changed, err := ApplyLink(ctx, l.servers["north"].RESTConfig, objs)
		if err != nil || !changed {
			t.Fatalf("ApplyLink = %v, %v; want changed", changed, err)
		}
		cfg := l.checkCredentials(t, "north", "east", l.servers["east"].URL, eastToken)

		// The credentials work against east, as its remote-access service
		// account: linkerd-config may be read, other Secrets may not.
		remote, err := clientcmd.NewDefaultClientConfig(*cfg, nil).ClientConfig()
		if err != nil {
			t.Fatal(err)
		}
		rc := kubernetes.NewForConfigOrDie(remote)
		if _, err := rc.CoreV1().ConfigMaps(LinkerdNamespace).Get(ctx, LinkerdConfigMapName, metav1.GetOptions{}); err != nil {
			t.Errorf("credentials cannot read east's linkerd-config: %v", err)
		}
		if _, err := rc.CoreV1().Secrets(LinkerdNamespace).Get(ctx, "linkerd-identity-issuer", metav1.GetOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("credentials read east's issuer Secret (%v): they should be the service account's", err)
		}

		spec := l.linkSpec(t, "north", "east")
		want := map[string]any{
			"targetClusterName":             "east",
			"targetClusterDomain":           "cluster.local",
			"targetClusterLinkerdNamespace": "linkerd",
			"clusterCredentialsSecret":      "cluster-credentials-east",
			"gatewayAddress":                "172.18.0.200",
			"gatewayPort":                   "4143",
			"gatewayIdentity":               "linkerd-gateway.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local",
			// failureThreshold and timeout are the CRD's defaults.
			"probeSpec":                map[string]any{"path": "/ready", "port": "4191", "period": "3s", "failureThreshold": "3", "timeout": "30s"},
			"selector":                 map[string]any{"matchLabels": map[string]any{"mirror.linkerd.io/exported": "true"}},
			"remoteDiscoverySelector":  map[string]any{"matchLabels": map[string]any{"mirror.linkerd.io/exported": "remote-discovery"}},
			"federatedServiceSelector": map[string]any{"matchLabels": map[string]any{"mirror.linkerd.io/federated": "member"}},
		}
		diffMaps(t, "north's Link east", spec, want)

		l.checkUnchanged(t, "north", "east", true, "")

		// Turning the link into a pod-to-pod one drops the gateway fields,
		// which server-side apply knows are ours; and back again.
		p2p, err := GenerateLink(ctx, l.endpoint("east", ""), false)
		if err != nil {
			t.Fatal(err)
		}
		if changed, err := ApplyLink(ctx, l.servers["north"].RESTConfig, p2p); err != nil || !changed {
			t.Fatalf("ApplyLink pod-to-pod over gateway = %v, %v; want changed", changed, err)
		}
		spec = l.linkSpec(t, "north", "east")
		for _, field := range []string{"gatewayAddress", "gatewayPort", "gatewayIdentity", "selector"} {
			if _, ok := spec[field]; ok {
				t.Errorf("pod-to-pod Link still has %s: %v", field, spec)
			}
		}
		if changed, err := ApplyLink(ctx, l.servers["north"].RESTConfig, objs); err != nil || !changed {
			t.Fatalf("ApplyLink gateway again = %v, %v; want changed", changed, err)
		}
		diffMaps(t, "north's Link east, gateway again", l.linkSpec(t, "north", "east"), want)
	})

	t.Run("pod-to-pod", func(t *testing.T) {
		const peerURL = "https://172.18.0.3:6443" // east's node address as west's pods see it
		objs, err := GenerateLink(ctx, l.endpoint("east", peerURL), false)
		if err != nil {
			t.Fatal(err)
		}
		changed, err := ApplyLink(ctx, l.servers["west"].RESTConfig, objs)
		if err != nil || !changed {
			t.Fatalf("ApplyLink = %v, %v; want changed", changed, err)
		}
		l.checkCredentials(t, "west", "east", peerURL, eastToken)
		spec := l.linkSpec(t, "west", "east")
		want := map[string]any{
			"targetClusterName":             "east",
			"targetClusterDomain":           "cluster.local",
			"targetClusterLinkerdNamespace": "linkerd",
			"clusterCredentialsSecret":      "cluster-credentials-east",
			// link-gen --gateway=false writes probeSpec: {}; the CRD defaults fill it.
			"probeSpec":                map[string]any{"failureThreshold": "3", "timeout": "30s"},
			"remoteDiscoverySelector":  map[string]any{"matchLabels": map[string]any{"mirror.linkerd.io/exported": "remote-discovery"}},
			"federatedServiceSelector": map[string]any{"matchLabels": map[string]any{"mirror.linkerd.io/federated": "member"}},
		}
		diffMaps(t, "west's Link east", spec, want)
		l.checkUnchanged(t, "west", "east", false, peerURL)
	})

	t.Run("manifests", func(t *testing.T) {
		objs, err := GenerateLink(ctx, l.endpoint("east", ""), true)
		if err != nil {
			t.Fatal(err)
		}
		for _, redact := range []bool{true, false} {
			out, err := LinkManifests(objs, redact)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, eastToken) == redact || strings.Contains(out, Redacted) != redact {
				t.Errorf("redact=%v: token shown %v, %q shown %v", redact, strings.Contains(out, eastToken), Redacted, strings.Contains(out, Redacted))
			}
			docs := strings.Split(strings.TrimPrefix(out, "---\n"), "---\n")
			kinds := []string{}
			for _, d := range docs {
				var obj struct{ Kind, APIVersion string }
				if err := yaml.Unmarshal([]byte(d), &obj); err != nil {
					t.Fatal(err)
				}
				kinds = append(kinds, obj.APIVersion+" "+obj.Kind)
			}
			if strings.Join(kinds, ", ") != "v1 Secret, v1 Secret, multicluster.linkerd.io/v1alpha3 Link" {
				t.Errorf("manifests are %v", kinds)
			}
		}
	})

	t.Run("unlink", func(t *testing.T) {
		north := l.servers["north"]
		// What east's service mirror would have made in north.
		mirror := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web-east", Namespace: "default",
			Labels: map[string]string{mirroredServiceLabel: "true", remoteClusterLabel: "east"}},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
		if _, err := north.Clientset.CoreV1().Services("default").Create(ctx, mirror, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		changed, err := Unlink(ctx, north.RESTConfig, "east")
		if err != nil || !changed {
			t.Fatalf("Unlink = %v, %v; want changed", changed, err)
		}
		for _, ns := range []string{MulticlusterNamespace, LinkerdNamespace} {
			if _, err := north.Clientset.CoreV1().Secrets(ns).Get(ctx, "cluster-credentials-east", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("Secret %s/cluster-credentials-east after Unlink: %v", ns, err)
			}
		}
		if _, err := l.dynamic(t, "north").Resource(LinkGVR).Namespace(MulticlusterNamespace).Get(ctx, "east", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("Link east after Unlink: %v", err)
		}
		if _, err := north.Clientset.CoreV1().Services("default").Get(ctx, "web-east", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("mirrored Service after Unlink: %v", err)
		}
		if changed, err := Unlink(ctx, north.RESTConfig, "east"); err != nil || changed {
			t.Errorf("second Unlink = %v, %v; want unchanged", changed, err)
		}
		// west's pod-to-pod link to east is untouched.
		if _, err := l.dynamic(t, "west").Resource(LinkGVR).Namespace(MulticlusterNamespace).Get(ctx, "east", metav1.GetOptions{}); err != nil {
			t.Errorf("west's Link east after unlinking north: %v", err)
		}
	})

	t.Run("controller values", func(t *testing.T) {
		// The caller's side of unlinking: drop the controller from the
		// deployed values and re-ensure the release.
		client, err := helm.NewFromREST(l.servers["west"].RESTConfig)
		if err != nil {
			t.Fatal(err)
		}
		deployed, err := client.DeployedValues(ctx, MulticlusterReleaseName, MulticlusterNamespace)
		if err != nil {
			t.Fatal(err)
		}
		values, removed, err := RemoveController(deployed, "east")
		if err != nil || !removed {
			t.Fatalf("RemoveController = %v, %v", removed, err)
		}
		r, err := MulticlusterRelease(standInCharts(t), l.cluster(Cluster{Name: "west"}))
		if err != nil {
			t.Fatal(err)
		}
		r.Values, r.Wait = values, false
		if o, err := client.Ensure(ctx, r); err != nil || o.Action != helm.Upgraded {
			t.Fatalf("Ensure = %+v, %v; want upgraded", o, err)
		}
		if got := l.controllerConfigMaps(t, "west"); len(got) != 0 {
			t.Errorf("controllers after removing east: %v", got)
		}
		values, err = MergeControllers(values, Controller{Target: "east"})
		if err != nil {
			t.Fatal(err)
		}
		r.Values = values
		if _, err := client.Ensure(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got := l.controllerConfigMaps(t, "west"); got["east"]["gateway"] != "false" {
			t.Errorf("controllers after adding east back: %v", got)
		}
	})
}

// checkCredentials checks both credentials Secrets of source's link to
// target and returns the kubeconfig.
func (l *lab) checkCredentials(t *testing.T, source, target, server, token string) *clientcmdapi.Config {
	t.Helper()
	ctx := context.Background()
	cs := l.servers[source].Clientset
	var cfg *clientcmdapi.Config
	for _, ns := range []string{MulticlusterNamespace, LinkerdNamespace} {
		s, err := cs.CoreV1().Secrets(ns).Get(ctx, CredentialsSecretName(target), metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", source, err)
		}
		if s.Type != "mirror.linkerd.io/remote-kubeconfig" {
			t.Errorf("%s/%s type = %s", ns, s.Name, s.Type)
		}
		cfg, err = clientcmd.Load(s.Data["kubeconfig"])
		if err != nil {
			t.Fatalf("%s/%s: kubeconfig: %v", ns, s.Name, err)
		}
		kctx := cfg.Contexts[cfg.CurrentContext]
		if kctx == nil || cfg.Clusters[kctx.Cluster] == nil || cfg.AuthInfos[kctx.AuthInfo] == nil {
			t.Fatalf("%s/%s: kubeconfig has no complete current context: %+v", ns, s.Name, cfg)
		}
		if got := cfg.Clusters[kctx.Cluster].Server; got != server {
			t.Errorf("%s/%s: server %s, want %s", ns, s.Name, got, server)
		}
		if string(cfg.Clusters[kctx.Cluster].CertificateAuthorityData) != string(l.servers[target].RESTConfig.CAData) {
			t.Errorf("%s/%s: CA is not %s's", ns, s.Name, target)
		}
		if cfg.AuthInfos[kctx.AuthInfo].Token != token {
			t.Errorf("%s/%s: token is not %s's remote-access token", ns, s.Name, target)
		}
		if ns == LinkerdNamespace {
			wantLabels := map[string]string{"multicluster.linkerd.io/cluster-name": target}
			wantAnnotations := map[string]string{"multicluster.linkerd.io/trust-domain": "cluster.local", "multicluster.linkerd.io/cluster-domain": "cluster.local"}
			for k, v := range wantLabels {
				if s.Labels[k] != v {
					t.Errorf("%s/%s: label %s = %q, want %q", ns, s.Name, k, s.Labels[k], v)
				}
			}
			for k, v := range wantAnnotations {
				if s.Annotations[k] != v {
					t.Errorf("%s/%s: annotation %s = %q, want %q", ns, s.Name, k, s.Annotations[k], v)
				}
			}
		}
	}
	return cfg
}

// checkUnchanged regenerates source's link to target and applies it again:
// nothing may change.
func (l *lab) checkUnchanged(t *testing.T, source, target string, gateway bool, peerURL string) {
	t.Helper()
	ctx := context.Background()
	before := l.linkSpec(t, source, target)
	objs, err := GenerateLink(ctx, l.endpoint(target, peerURL), gateway)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		changed, err := ApplyLink(ctx, l.servers[source].RESTConfig, objs)
		if err != nil || changed {
			t.Errorf("ApplyLink again (%d) = %v, %v; want unchanged", i, changed, err)
		}
	}
	diffMaps(t, "Link after re-applying", l.linkSpec(t, source, target), before)
}

func (l *lab) linkSpec(t *testing.T, source, target string) map[string]any {
	t.Helper()
	u, err := l.dynamic(t, source).Resource(LinkGVR).Namespace(MulticlusterNamespace).Get(context.Background(), target, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s: Link %s: %v", source, target, err)
	}
	spec, _, _ := unstructured.NestedMap(u.Object, "spec")
	return spec
}

// controllerConfigMaps are the stand-ins of the service-mirror Deployments,
// by link name.
func (l *lab) controllerConfigMaps(t *testing.T, name string) map[string]map[string]string {
	t.Helper()
	list, err := l.servers[name].Clientset.CoreV1().ConfigMaps(MulticlusterNamespace).List(context.Background(), metav1.ListOptions{LabelSelector: "component=controller"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, cm := range list.Items {
		out[cm.Data["link"]] = cm.Data
	}
	return out
}

func (l *lab) dynamic(t testing.TB, name string) dynamic.Interface {
	t.Helper()
	d, err := dynamic.NewForConfig(l.servers[name].RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func diffMaps(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	g, _ := yaml.Marshal(got)
	w, _ := yaml.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n%s\nwant:\n%s", what, g, w)
	}
}
