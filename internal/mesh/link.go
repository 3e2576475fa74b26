package mesh

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"
)

// GenerateLink reads target the way `linkerd multicluster link-gen` does and
// returns what linking it into another cluster writes there: credentials for
// target's remote-access service account, pointing at
// target.ServerFromPeers, and the Link, with target's gateway when gateway is
// set. Errors wrapping ErrNotReady mean target is installed but its token or
// gateway address is not there yet.
func GenerateLink(ctx context.Context, target Endpoint, gateway bool) (*LinkObjects, error) {
	if target.RESTConfig == nil {
		return nil, fmt.Errorf("link-gen %s: no REST config", target.Name)
	}
	if err := validPeerServer(target); err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(target.RESTConfig)
	if err != nil {
		return nil, fmt.Errorf("link-gen %s: %w", target.Name, err)
	}
	clusterDomain, trustDomain, err := readLinkerdConfig(ctx, cs)
	if err != nil {
		return nil, fmt.Errorf("link-gen %s: %w", target.Name, err)
	}
	token, ca, err := readRemoteAccessToken(ctx, cs)
	if err != nil {
		return nil, fmt.Errorf("link-gen %s: %w", target.Name, err)
	}
	kubeconfig, err := remoteKubeconfig(target, token, ca)
	if err != nil {
		return nil, fmt.Errorf("link-gen %s: %w", target.Name, err)
	}
	objs := &LinkObjects{
		Target:      target.Name,
		Gateway:     gateway,
		Kubeconfig:  kubeconfig,
		TrustDomain: trustDomain,
		Link: Link{Name: target.Name, Spec: LinkResourceSpec{
			TargetClusterName:             target.Name,
			TargetClusterDomain:           clusterDomain,
			TargetClusterLinkerdNamespace: LinkerdNamespace,
			ClusterCredentialsSecret:      CredentialsSecretName(target.Name),
			RemoteDiscoverySelector:       matchLabel(exportedLabel, "remote-discovery"),
			FederatedServiceSelector:      matchLabel(federatedLabel, "member"),
		}},
	}
	if gateway {
		if err := readGateway(ctx, cs, &objs.Link.Spec); err != nil {
			return nil, fmt.Errorf("link-gen %s: %w", target.Name, err)
		}
	}
	return objs, nil
}

// GenerateLinkWhenReady is GenerateLink retried every second while the
// target is not ready, until ctx ends.
func GenerateLinkWhenReady(ctx context.Context, target Endpoint, gateway bool) (*LinkObjects, error) {
	for {
		objs, err := GenerateLink(ctx, target, gateway)
		if err == nil || !errors.Is(err, ErrNotReady) {
			return objs, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (gave up: %w)", err, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

func matchLabel(key, value string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{key: value}}
}

// readLinkerdConfig returns the cluster and trust domains from the values
// the control-plane chart stores in linkerd-config, as link-gen reads them.
func readLinkerdConfig(ctx context.Context, cs kubernetes.Interface) (clusterDomain, trustDomain string, err error) {
	cm, err := cs.CoreV1().ConfigMaps(LinkerdNamespace).Get(ctx, LinkerdConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", "", fmt.Errorf("config map %s/%s not found: install Linkerd first", LinkerdNamespace, LinkerdConfigMapName)
	}
	if err != nil {
		return "", "", err
	}
	var values struct {
		ClusterDomain       string `json:"clusterDomain"`
		IdentityTrustDomain string `json:"identityTrustDomain"`
		Global              *struct {
			ClusterDomain       string `json:"clusterDomain"`
			IdentityTrustDomain string `json:"identityTrustDomain"`
		} `json:"global"` // before Linkerd 2.10 the values sat under global
	}
	if err := yaml.Unmarshal([]byte(cm.Data["values"]), &values); err != nil {
		return "", "", fmt.Errorf("config map %s/%s: values: %w", LinkerdNamespace, LinkerdConfigMapName, err)
	}
	clusterDomain, trustDomain = values.ClusterDomain, values.IdentityTrustDomain
	if g := values.Global; g != nil {
		clusterDomain = firstNonEmpty(clusterDomain, g.ClusterDomain)
		trustDomain = firstNonEmpty(trustDomain, g.IdentityTrustDomain)
	}
	// The chart's defaults, which its config.yaml applies too.
	clusterDomain = firstNonEmpty(clusterDomain, "cluster.local")
	trustDomain = firstNonEmpty(trustDomain, clusterDomain)
	return clusterDomain, trustDomain, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// readRemoteAccessToken finds the token Secret bound to the remote-access
// service account by its annotation, not its name, as link-gen does, and
// returns its token and CA certificate.
func readRemoteAccessToken(ctx context.Context, cs kubernetes.Interface) (token string, ca []byte, err error) {
	_, err = cs.CoreV1().ServiceAccounts(MulticlusterNamespace).Get(ctx, RemoteAccessServiceAccount, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil, fmt.Errorf("service account %s/%s not found: install the multicluster extension first", MulticlusterNamespace, RemoteAccessServiceAccount)
	}
	if err != nil {
		return "", nil, err
	}
	secrets, err := cs.CoreV1().Secrets(MulticlusterNamespace).List(ctx, metav1.ListOptions{
		FieldSelector: "type=" + string(corev1.SecretTypeServiceAccountToken),
	})
	if err != nil {
		return "", nil, err
	}
	for _, s := range secrets.Items {
		if s.Annotations[serviceAccountNameAnnotation] != RemoteAccessServiceAccount {
			continue
		}
		if len(s.Data[corev1.ServiceAccountTokenKey]) == 0 {
			return "", nil, fmt.Errorf("token secret %s/%s is still empty (the token controller fills it in): %w", s.Namespace, s.Name, ErrNotReady)
		}
		return string(s.Data[corev1.ServiceAccountTokenKey]), s.Data[corev1.ServiceAccountRootCAKey], nil
	}
	return "", nil, fmt.Errorf("no token secret for service account %s/%s: %w", MulticlusterNamespace, RemoteAccessServiceAccount, ErrNotReady)
}

// remoteKubeconfig is the kubeconfig the service mirror of another cluster
// uses: target's CA as this process trusts it (as link-gen takes it from the
// kubeconfig; tokenCA, the token Secret's ca.crt, if there is none), the
// address other clusters reach, and the remote-access token.
func remoteKubeconfig(target Endpoint, token string, tokenCA []byte) ([]byte, error) {
	tls := target.RESTConfig.TLSClientConfig
	cluster := &clientcmdapi.Cluster{
		Server:                   target.ServerFromPeers,
		CertificateAuthorityData: tls.CAData,
		InsecureSkipTLSVerify:    tls.Insecure,
		TLSServerName:            tls.ServerName,
	}
	if len(cluster.CertificateAuthorityData) == 0 && tls.CAFile != "" {
		ca, err := os.ReadFile(tls.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA of %s: %w", target.Name, err)
		}
		cluster.CertificateAuthorityData = ca
	}
	if len(cluster.CertificateAuthorityData) == 0 && !cluster.InsecureSkipTLSVerify {
		cluster.CertificateAuthorityData = tokenCA
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[target.Name] = cluster
	cfg.AuthInfos[RemoteAccessServiceAccount] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[target.Name] = &clientcmdapi.Context{Cluster: target.Name, AuthInfo: RemoteAccessServiceAccount}
	cfg.CurrentContext = target.Name
	return clientcmd.Write(*cfg)
}

// readGateway fills in the gateway fields of a Link from target's gateway
// Service, as link-gen does.
func readGateway(ctx context.Context, cs kubernetes.Interface, spec *LinkResourceSpec) error {
	svc, err := cs.CoreV1().Services(MulticlusterNamespace).Get(ctx, GatewayServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("gateway service %s/%s not found: enable the gateway (gateway.enabled) or link pod-to-pod", MulticlusterNamespace, GatewayServiceName)
	}
	if err != nil {
		return err
	}
	name := svc.Namespace + "/" + svc.Name
	var addrs []string
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if a := firstNonEmpty(in.IP, in.Hostname); a != "" {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return fmt.Errorf("gateway %s has no load-balancer address yet: %w", name, ErrNotReady)
	}
	identity := svc.Annotations[gatewayIdentityAnnotation]
	if identity == "" {
		return fmt.Errorf("gateway %s has no %s annotation", name, gatewayIdentityAnnotation)
	}
	probePath := svc.Annotations[probePathAnnotation]
	if probePath == "" {
		return fmt.Errorf("gateway %s has no %s annotation", name, probePathAnnotation)
	}
	period, err := probePeriod(svc.Annotations[probePeriodAnnotation])
	if err != nil {
		return fmt.Errorf("gateway %s: %w", name, err)
	}
	gwPort, err := servicePort(svc, gatewayPortName)
	if err != nil {
		return err
	}
	probePort, err := servicePort(svc, probePortName)
	if err != nil {
		return err
	}
	spec.GatewayAddress = strings.Join(addrs, ",")
	spec.GatewayPort = strconv.Itoa(int(gwPort))
	spec.GatewayIdentity = identity
	spec.ProbeSpec = ProbeSpec{Path: probePath, Port: strconv.Itoa(int(probePort)), Period: period}
	spec.Selector = matchLabel(exportedLabel, "true")
	return nil
}

// probePeriod turns the chart's period in seconds ("3") into the duration
// the Link wants ("3s"); a duration is taken as it is.
func probePeriod(s string) (string, error) {
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return (time.Duration(secs) * time.Second).String(), nil
	}
	if _, err := time.ParseDuration(s); err != nil {
		return "", fmt.Errorf("%s %q is neither seconds nor a duration", probePeriodAnnotation, s)
	}
	return s, nil
}

// servicePort is the port named name, or its node port on a NodePort
// Service, since that is what another cluster can reach.
func servicePort(svc *corev1.Service, name string) (int32, error) {
	for _, p := range svc.Spec.Ports {
		if p.Name == name {
			if svc.Spec.Type == corev1.ServiceTypeNodePort {
				return p.NodePort, nil
			}
			return p.Port, nil
		}
	}
	return 0, fmt.Errorf("gateway %s/%s has no port named %s", svc.Namespace, svc.Name, name)
}
