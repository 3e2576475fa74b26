// Package e2elocal holds the local end-to-end tests: real kind clusters
// created by the unchanged localcluster binary, on a machine with no
// container registry, from the node image that hack/nodeimage builds.
// The tests carry the build tag e2elocal; `make e2e-local` builds what they
// need and runs them.
package e2elocal
