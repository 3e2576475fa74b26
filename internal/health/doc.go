// Package health judges a lab's health, as `localcluster status` shows it:
// checks per cluster and per link, run in parallel, each naming the
// localcluster command that repairs what it finds. Run never fails: what
// cannot be checked (no Docker, a cluster not created or down) is
// reported as unknown, with the reason; checks that depend on one that
// failed say so instead of failing too, so that one fault is named once.
//
// # Checks
//
// Per cluster: node (the node container exists and runs), context (the
// kube context exists and its server is the node's address), api (the API
// server answers /readyz at the node's address, as other clusters reach
// it), routes (the routes the group needs are in the node's tables, v4 and
// v6 as enabled), loadbalancer (kind: MetalLB and the pool release
// deployed, the pool holding the planned addresses), issuer (the issuer
// files are usable by Linkerd and chain to the trust anchor, days left, and
// the cluster runs that issuer), trust-anchor (linkerd-identity-trust-roots
// holds the lab's anchor), linkerd (the three releases deployed, their
// workloads ready), orphaned-mirrors (every mirrored Service belongs to a
// Link).
//
// Per link (Target's services mirrored into Source): link, credentials,
// controller, gateway, mirrors, as below.
//
// # Compared with linkerd2's multicluster check
//
// The link checks follow github.com/linkerd/linkerd2 multicluster/cmd/check.go
// at tag edge-26.8.3 (chart version 2026.8.3), with names and labels from
// pkg/k8s/labels.go and the chart's templates/controller/{deployment,
// probe-svc}.yaml:
//
//   - "Link resources are valid": Link <target> in linkerd-multicluster
//     (multicluster.linkerd.io/v1alpha3). Also checked here: its mode is the
//     one the lab declares, and a gateway Link's address and probe port are
//     those of the target's linkerd-gateway Service (probes on the wrong
//     port are a known false result of the CLI).
//   - "remote cluster access credentials are valid": the Secret the Link
//     names (and its copy for the destination controller in linkerd) is
//     parsed and used; the target must answer, and a
//     SelfSubjectAccessReview with the Secret's token must allow get, list
//     and watch on Services in all namespaces, as linkerd2 asks. Unlike
//     the CLI, which uses the credentials from wherever it runs, the server
//     in them must be the target's node address: where the service mirror,
//     on the lab network, reaches it.
//   - "service mirror controllers are running": exactly one Deployment
//     labelled component in (service-mirror, controller) and
//     mirror.linkerd.io/cluster-name=<target>, with a replica available.
//   - "probe services able to communicate with all gateway mirrors": only
//     for links with a gateway (a gateway-less link is skipped, never
//     flagged); the Service labelled mirror.linkerd.io/mirrored-gateway for
//     the target has endpoints, and the gateway_alive{target_cluster_name}
//     metric of the pod holding Lease service-mirror-write-<target> is 1.
//     linkerd2 port-forwards to the pod's "-admin" port (ctrl-admin, 9999);
//     here it is read through the API server's pod proxy.
//   - "all mirror services have endpoints": Services labelled
//     mirror.linkerd.io/mirrored-service, not mirrored-gateway nor
//     multicluster.linkerd.io/remote-discovery, and not federated
//     (remote-discovery or local-discovery annotations), have endpoints.
//   - "all mirror services are part of a Link": the orphaned-mirrors check
//     of the source cluster.
//   - "clusters share trust anchors" is judged per cluster against the
//     lab's anchor (trust-anchor), so that one foreign anchor is one
//     failure, not one per link.
//
// Not done, as not useful in a lab: the Link CRD and RBAC object checks
// (the chart makes them together with the controller), Link and proxy
// version checks.
//
// # JSON and YAML
//
// `status -o json` writes a Report; its shape is stable within
// apiVersion localcluster.dev/v1alpha1:
//
//	kind: LabStatus
//	apiVersion: localcluster.dev/v1alpha1
//	network: kind            # the lab's Docker network
//	healthy: false           # true when every check is ok, warn or skipped
//	summary: {ok: 40, warn: 0, skipped: 8, unknown: 0, fail: 1}
//	clusters:
//	- name: smiley
//	  provider: kind         # kind, k3d or external
//	  group: face            # omitted when none
//	  node: smiley-control-plane       # omitted when unknown
//	  address: https://192.168.155.2:6443  # omitted when unknown
//	  status: fail           # the worst of its checks
//	  checks:
//	  - name: routes         # node, context, api, routes, loadbalancer, issuer,
//	                         # trust-anchor, linkerd, orphaned-mirrors
//	    status: fail         # ok, warn, skipped, unknown or fail
//	    message: no route to 10.13.1.0/24 via 192.168.155.3 in smiley-control-plane
//	    fix: localcluster route clusters   # omitted when there is nothing to do
//	links:
//	- source: smiley         # Target's services are mirrored into Source
//	  target: color
//	  mode: pod-to-pod       # or gateway
//	  status: ok
//	  checks: [...]          # link, credentials, controller, gateway, mirrors
//
// New fields may be added; none is renamed or removed within the version.
package health
