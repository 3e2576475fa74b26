package mesh

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
)

// RemoteKubeconfigSecretType is the type of the credentials Secrets: how
// the service mirror and the destination controller find a linked
// cluster's credentials.
const RemoteKubeconfigSecretType corev1.SecretType = "mirror.linkerd.io/remote-kubeconfig"

// Names, labels and annotations of Linkerd's multicluster extension (see the
// package comment for where each was checked).
const (
	RemoteAccessServiceAccount = "linkerd-service-mirror-remote-access-default"
	GatewayServiceName         = "linkerd-gateway"
	LinkerdConfigMapName       = "linkerd-config"

	gatewayPortName = "mc-gateway"
	probePortName   = "mc-probe"

	serviceAccountNameAnnotation = "kubernetes.io/service-account.name"
	gatewayIdentityAnnotation    = "mirror.linkerd.io/gateway-identity"
	probePathAnnotation          = "mirror.linkerd.io/probe-path"
	probePeriodAnnotation        = "mirror.linkerd.io/probe-period"

	// KubeconfigKey is the credentials Secrets' key holding the kubeconfig.
	KubeconfigKey = "kubeconfig"

	ClusterNameLabel        = "multicluster.linkerd.io/cluster-name"
	TrustDomainAnnotation   = "multicluster.linkerd.io/trust-domain"
	ClusterDomainAnnotation = "multicluster.linkerd.io/cluster-domain"

	createdByAnnotation = "linkerd.io/created-by"
	managedByLabel      = "app.kubernetes.io/managed-by"
	fieldManager        = "localcluster"

	exportedLabel  = "mirror.linkerd.io/exported"
	federatedLabel = "mirror.linkerd.io/federated"
)

// LinkGVR is the Link resource at the version link-gen writes.
var LinkGVR = schema.GroupVersionResource{Group: "multicluster.linkerd.io", Version: "v1alpha3", Resource: "links"}

// ErrNotReady marks what a freshly installed target may not have yet: the
// remote-access token (filled in by the token controller) or the gateway's
// load-balancer address. GenerateLinkWhenReady retries on it.
var ErrNotReady = errors.New("not ready")

// Endpoint is one cluster as links see it.
type Endpoint struct {
	Name       string       // cluster name: the Link's and the Secrets' name suffix
	RESTConfig *rest.Config // how this process reaches the API server
	// ServerFromPeers is the API server URL as other clusters' pods reach
	// it, e.g. https://<node IP>:6443; it goes into the link credentials.
	ServerFromPeers string
}

// LinkSpec is one link: Target's services appear in Source.
type LinkSpec struct {
	Source, Target Endpoint
	Gateway        bool // through Target's gateway; false for pod-to-pod
}

// Controller is the service-mirror controller entry that spec needs in the
// source cluster's multicluster release.
func (s LinkSpec) Controller() Controller {
	return Controller{Target: s.Target.Name, Gateway: s.Gateway}
}

// LinkObjects is what linking a target into a source writes into the source,
// as link-gen would generate it. Kubeconfig holds the target's token.
type LinkObjects struct {
	Target      string
	Gateway     bool
	Kubeconfig  []byte
	TrustDomain string // the target's identity trust domain
	Link        Link
}

// Controller is the service-mirror controller entry for this link.
func (o *LinkObjects) Controller() Controller {
	return Controller{Target: o.Target, Gateway: o.Gateway}
}

// Link is the multicluster.linkerd.io/v1alpha3 Link resource, with the
// fields link-gen sets.
type Link struct {
	Name string           `json:"-"`
	Spec LinkResourceSpec `json:"spec"`
}

// LinkResourceSpec is the Link's spec. ProbeSpec has no omitempty on
// purpose: link-gen writes `probeSpec: {}` for a link without a gateway.
type LinkResourceSpec struct {
	TargetClusterName             string                `json:"targetClusterName,omitempty"`
	TargetClusterDomain           string                `json:"targetClusterDomain,omitempty"`
	TargetClusterLinkerdNamespace string                `json:"targetClusterLinkerdNamespace,omitempty"`
	ClusterCredentialsSecret      string                `json:"clusterCredentialsSecret,omitempty"`
	GatewayAddress                string                `json:"gatewayAddress,omitempty"`
	GatewayPort                   string                `json:"gatewayPort,omitempty"`
	GatewayIdentity               string                `json:"gatewayIdentity,omitempty"`
	ProbeSpec                     ProbeSpec             `json:"probeSpec"`
	Selector                      *metav1.LabelSelector `json:"selector,omitempty"`
	RemoteDiscoverySelector       *metav1.LabelSelector `json:"remoteDiscoverySelector,omitempty"`
	FederatedServiceSelector      *metav1.LabelSelector `json:"federatedServiceSelector,omitempty"`
}

// ProbeSpec is how the service mirror probes the target's gateway.
type ProbeSpec struct {
	Path   string `json:"path,omitempty"`
	Port   string `json:"port,omitempty"`
	Period string `json:"period,omitempty"`
}

// CredentialsSecretName is the name of both credentials Secrets of a link to
// target.
func CredentialsSecretName(target string) string { return "cluster-credentials-" + target }

// credentials is the Secret in namespace ns holding objs' kubeconfig; the
// copy in Linkerd's namespace is labelled for the destination controller.
func (o *LinkObjects) credentials(namespace string) *corev1.Secret {
	s := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        CredentialsSecretName(o.Target),
			Namespace:   namespace,
			Labels:      map[string]string{managedByLabel: fieldManager},
			Annotations: map[string]string{createdByAnnotation: fieldManager},
		},
		Type: RemoteKubeconfigSecretType,
		Data: map[string][]byte{KubeconfigKey: o.Kubeconfig},
	}
	if namespace == LinkerdNamespace {
		s.Labels[ClusterNameLabel] = o.Target
		s.Annotations[TrustDomainAnnotation] = o.TrustDomain
		s.Annotations[ClusterDomainAnnotation] = o.Link.Spec.TargetClusterDomain
	}
	return s
}

// validPeerServer rejects addresses no other cluster can use.
func validPeerServer(target Endpoint) error {
	if target.ServerFromPeers == "" {
		return fmt.Errorf("cluster %s: no API server address reachable from other clusters was given", target.Name)
	}
	u, err := url.Parse(target.ServerFromPeers)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return fmt.Errorf("cluster %s: API server address %q for other clusters is not an https://host:port URL", target.Name, target.ServerFromPeers)
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
		return fmt.Errorf("cluster %s: API server address %q for other clusters is unspecified (%s): use the node's address", target.Name, target.ServerFromPeers, ip)
	}
	return nil
}
