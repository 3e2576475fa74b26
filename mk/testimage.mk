# Builds the local busybox image that internal/dockernet's integration tests
# use as a stand-in for kind/k3d node containers (no registry is needed).
.PHONY: testimage
testimage:
	bash hack/testimage/build.sh
