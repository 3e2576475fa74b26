package mesh

import (
	"errors"
	"fmt"
	"time"

	"github.com/localcluster/localcluster/internal/helm"
)

// Namespaces and Helm release names. The release names stay the same
// whatever the chart names, so switching ChartSource upgrades in place.
const (
	LinkerdNamespace      = "linkerd"
	MulticlusterNamespace = "linkerd-multicluster"

	CRDsReleaseName         = "linkerd-crds"
	ControlPlaneReleaseName = "linkerd-control-plane"
	MulticlusterReleaseName = "linkerd-multicluster"
)

// DefaultTimeout bounds each release's install: the control plane pulls
// several images on a fresh cluster.
const DefaultTimeout = 5 * time.Minute

// issuerKeyPath is the one value of ours that is secret.
const issuerKeyPath = "identity.issuer.tls.keyPEM"

// Cluster is what the releases of one cluster depend on.
type Cluster struct {
	Name string
	IPv6 bool // the cluster has IPv6 (ipv6 or dual stack): Linkerd routes IPv6 too

	TrustAnchorPEM []byte // shared by all clusters
	IssuerCertPEM  []byte // this cluster's issuer, signed by the anchor
	IssuerKeyPEM   []byte

	GatewayAPI bool // linkerd-crds installs the Gateway API CRDs too

	// Gateway runs a multicluster gateway here: set it when this cluster is
	// the target of at least one gateway link.
	Gateway bool
	// Controllers has one entry per cluster linked into this one.
	Controllers []Controller
	// MulticlusterValues is the cluster's mc-values.yaml, merged last.
	MulticlusterValues map[string]any
}

// Releases returns the three releases of c in install order.
func Releases(src ChartSource, c Cluster) ([]helm.Release, error) {
	cp, err := ControlPlaneRelease(src, c)
	if err != nil {
		return nil, err
	}
	mc, err := MulticlusterRelease(src, c)
	if err != nil {
		return nil, err
	}
	return []helm.Release{CRDsRelease(src, c), cp, mc}, nil
}

// CRDsRelease is the linkerd-crds release.
func CRDsRelease(src ChartSource, c Cluster) helm.Release {
	values := map[string]any{"installGatewayAPI": c.GatewayAPI}
	return release(src, src.CRDs, CRDsReleaseName, LinkerdNamespace, values)
}

// ControlPlaneRelease is the linkerd-control-plane release. It fails if a
// certificate or the key is missing, which the chart would only report after
// a round trip to the cluster.
func ControlPlaneRelease(src ChartSource, c Cluster) (helm.Release, error) {
	var errs []error
	for _, pem := range []struct {
		name string
		data []byte
	}{{"trust anchor", c.TrustAnchorPEM}, {"issuer certificate", c.IssuerCertPEM}, {"issuer key", c.IssuerKeyPEM}} {
		if len(pem.data) == 0 {
			errs = append(errs, fmt.Errorf("%s of cluster %s is empty: run `localcluster certs` first", pem.name, c.Name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return helm.Release{}, err
	}
	values := map[string]any{
		"identityTrustAnchorsPEM": string(c.TrustAnchorPEM),
		"disableIPv6":             !c.IPv6,
	}
	setPath(values, []string{"identity", "issuer", "tls", "crtPEM"}, string(c.IssuerCertPEM))
	setPath(values, []string{"identity", "issuer", "tls", "keyPEM"}, string(c.IssuerKeyPEM))
	r := release(src, src.ControlPlane, ControlPlaneReleaseName, LinkerdNamespace, values)
	r.SecretValues = append([]string{issuerKeyPath}, r.SecretValues...)
	return r, nil
}

// MulticlusterRelease is the linkerd-multicluster release: the gateway only
// where c.Gateway, the remote-access service account that other clusters'
// links use, one controller per entry of c.Controllers, and the cluster's
// mc-values.yaml merged last.
//
// The user's values win everywhere except `controllers`, which is merged by
// link name instead of replaced: the user's entries are merged over ours
// (their options win, including gateway.enabled) and entries for links we do
// not manage are kept, after ours.
func MulticlusterRelease(src ChartSource, c Cluster) (helm.Release, error) {
	values := map[string]any{
		"gateway":                    map[string]any{"enabled": c.Gateway},
		"remoteMirrorServiceAccount": true,
	}
	values, err := MergeControllers(values, c.Controllers...)
	if err != nil {
		return helm.Release{}, err
	}
	r := release(src, src.Multicluster, MulticlusterReleaseName, MulticlusterNamespace, values)
	if len(c.MulticlusterValues) > 0 {
		user := copyMap(c.MulticlusterValues)
		userControllers, err := controllerList(user)
		if err != nil {
			return helm.Release{}, fmt.Errorf("mc-values of cluster %s: %w", c.Name, err)
		}
		delete(user, "controllers")
		merged := MergeValues(r.Values, user)
		entries := make([]map[string]any, len(userControllers))
		for i, e := range userControllers {
			entries[i] = e.(map[string]any)
		}
		if r.Values, err = mergeControllerEntries(merged, entries); err != nil {
			return helm.Release{}, err
		}
	}
	return r, nil
}

// release assembles a release of chart, with src's extra values for it.
func release(src ChartSource, chart, name, namespace string, values map[string]any) helm.Release {
	if extra := src.ExtraValues[chart]; len(extra) > 0 {
		values = MergeValues(values, extra)
	}
	return helm.Release{
		Name:            name,
		Namespace:       namespace,
		Chart:           helm.Chart{Repo: src.Repo, Name: chart, Version: src.Version},
		Values:          values,
		CreateNamespace: true,
		Wait:            true,
		Timeout:         DefaultTimeout,
		SecretValues:    append([]string(nil), src.SecretValues[chart]...),
	}
}
