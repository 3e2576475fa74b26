# Local end-to-end tests: real kind clusters, created by the localcluster
# binary as users run it, on this machine with no container registry.
# hack/nodeimage/build.sh builds the kind node image (Debian's packages and
# the Go module proxy only; cached in ~/.cache/localcluster/nodeimage, so a
# second run only runs the tests). Needs root and Docker.

E2E_LOCAL_TIMEOUT ?= 30m

.PHONY: e2e-local nodeimage

nodeimage:
	hack/nodeimage/build.sh

e2e-local:
	image="$$(hack/nodeimage/build.sh)" && \
	LOCALCLUSTER_E2E_NODE_IMAGE="$$image" $(GO) test -tags e2elocal -count=1 -v \
		-timeout $(E2E_LOCAL_TIMEOUT) -run . ./internal/e2elocal/
