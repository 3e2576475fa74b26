// Package testenv runs real Kubernetes API servers for integration tests.
//
// One etcd and one or more kube-apiservers start on loopback ports; every API
// server keeps its objects under its own etcd prefix, so several independent
// "clusters" cost one etcd. No controller-manager, scheduler or kubelet runs:
// objects are stored and validated, CRDs become Established, but Deployments
// never get Pods and ServiceAccount token Secrets are never filled in.
//
// The binaries come from hack/testbin/build.sh (`make testbin`), which builds
// them from the Go module proxy into a versioned cache directory.
package testenv
