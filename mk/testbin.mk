# Builds kube-apiserver and etcd for internal/testenv into a versioned cache
# (${LOCALCLUSTER_TESTBIN:-$HOME/.cache/localcluster/testbin}); a no-op once built.
.PHONY: testbin
testbin:
	bash hack/testbin/build.sh
