// Package mesh installs Linkerd and its multicluster extension into a cluster
// and links clusters to each other, all in-process.
//
// Releases: CRDsRelease, ControlPlaneRelease and MulticlusterRelease build the
// Helm releases (installed by package helm) from a ChartSource and a Cluster.
// Links: GenerateLink reads the target cluster the way `linkerd multicluster
// link-gen` does, ApplyLink writes its output into the source cluster with
// server-side apply (EnsureLink does both), Unlink removes it again; the
// service-mirror controller of a link is an entry of the multicluster
// release's `controllers` value (MergeControllers, RemoveController).
// LinkManifests, LinkCommand and UnlinkCommand are what a dry run prints.
//
// # Value and object names, and where they were checked
//
// Every chart value, object name, label and annotation below was read in
// github.com/linkerd/linkerd2 at tag edge-26.8.3 (published as Helm chart
// version 2026.8.3; the files are identical at main b24cd40 of 2026-08-21):
//
//   - charts/linkerd-crds/values.yaml and templates/gateway.networking.k8s.io_*.yaml:
//     installGatewayAPI (default false; the enable*Routes values override it).
//   - charts/linkerd-control-plane/values.yaml: identityTrustAnchorsPEM,
//     identity.issuer.tls.crtPEM, identity.issuer.tls.keyPEM, disableIPv6
//     (default true: IPv6 is off unless set to false), clusterDomain,
//     identityTrustDomain (empty means clusterDomain).
//   - charts/linkerd-control-plane/templates/config.yaml: ConfigMap
//     linkerd-config, key "values" holds the values as YAML (keyPEM removed,
//     identityTrustDomain defaulted to clusterDomain).
//   - charts/linkerd-control-plane/templates/identity.yaml: ConfigMap
//     linkerd-identity-trust-roots, key ca-bundle.crt.
//   - multicluster/charts/linkerd-multicluster/values.yaml: gateway.enabled,
//     gateway.name (linkerd-gateway), gateway.port (4143), gateway.probe.path
//     (/ready), gateway.probe.port (4191), gateway.probe.seconds (3),
//     remoteMirrorServiceAccount (true), remoteMirrorServiceAccountName
//     (linkerd-service-mirror-remote-access-default), controllers (list; only
//     link.ref.name is required, the rest defaults from controllerDefaults),
//     controllerDefaults.gateway.enabled (true: a probe Service per link).
//   - multicluster/charts/linkerd-multicluster/templates/remote-access-service-mirror-rbac.yaml:
//     the token Secret is "<service account>-token", type
//     kubernetes.io/service-account-token, annotation
//     kubernetes.io/service-account.name.
//   - .../templates/gateway.yaml: Service linkerd-gateway with ports mc-gateway
//     and mc-probe and annotations mirror.linkerd.io/gateway-identity,
//     mirror.linkerd.io/probe-path, mirror.linkerd.io/probe-period.
//   - .../templates/controller/{deployment,rbac,probe-svc}.yaml: one Deployment
//     controller-<link>, Role granting Secret cluster-credentials-<link>, and
//     (when the entry's gateway.enabled) Service probe-<link>.
//   - .../templates/link-crd.yaml: the Link CRD, served as v1alpha3 (storage).
//     It lives in the multicluster chart, not in linkerd-crds.
//   - multicluster/cmd/link-gen.go, multicluster/cmd/root.go, pkg/k8s/labels.go:
//     what link-gen writes: Secret cluster-credentials-<B> (type
//     mirror.linkerd.io/remote-kubeconfig, key kubeconfig) in
//     linkerd-multicluster; the same Secret in linkerd labelled
//     multicluster.linkerd.io/cluster-name=<B> and annotated
//     multicluster.linkerd.io/trust-domain and multicluster.linkerd.io/cluster-domain;
//     Link <B> with targetClusterName, targetClusterDomain,
//     targetClusterLinkerdNamespace, clusterCredentialsSecret,
//     remoteDiscoverySelector (mirror.linkerd.io/exported=remote-discovery),
//     federatedServiceSelector (mirror.linkerd.io/federated=member) and, only
//     with a gateway, gatewayAddress, gatewayPort, gatewayIdentity, probeSpec
//     (path, port, period as a duration) and selector
//     (mirror.linkerd.io/exported=true). With --gateway=false, probeSpec is
//     written as an empty object and the gateway fields are absent.
//   - multicluster/cmd/unlink.go: what unlinking removes besides the
//     controller: the two Secrets, the Link, the Lease
//     service-mirror-write-<B> and the mirrored Services.
//
// testdata/linkerd2-values-edge-26.8.3.yaml is a transcript of those values;
// a unit test checks every value path the release builders set against it.
package mesh
