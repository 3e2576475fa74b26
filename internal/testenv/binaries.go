package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The versions hack/testbin/build.sh builds; change them there too.
const (
	// KubernetesVersion is the kube-apiserver version, which it also reports.
	KubernetesVersion = "v1.36.3"
	// EtcdVersion is the etcd server version.
	EtcdVersion = "v3.6.16"
)

const (
	apiserverBinary = "kube-apiserver"
	etcdBinary      = "etcd"
)

// Binaries locates kube-apiserver and etcd. LOCALCLUSTER_TESTBIN_DIR, when
// set, names the directory holding both; otherwise they are looked up where
// hack/testbin/build.sh caches them:
// ${LOCALCLUSTER_TESTBIN:-$HOME/.cache/localcluster/testbin}/<k8s>-<etcd>/.
func Binaries() (apiserver, etcd string, err error) {
	dir, err := binDir()
	if err != nil {
		return "", "", err
	}
	apiserver = filepath.Join(dir, apiserverBinary)
	etcd = filepath.Join(dir, etcdBinary)
	var errs []error
	for _, path := range []string{apiserver, etcd} {
		if err := checkExecutable(path); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return "", "", fmt.Errorf("%w\nrun `make testbin` (or hack/testbin/build.sh) to build the test binaries", errors.Join(errs...))
	}
	return apiserver, etcd, nil
}

func binDir() (string, error) {
	if dir := os.Getenv("LOCALCLUSTER_TESTBIN_DIR"); dir != "" {
		return dir, nil
	}
	root := os.Getenv("LOCALCLUSTER_TESTBIN")
	if root == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("locate test binaries: %w", err)
		}
		root = filepath.Join(home, ".cache", "localcluster", "testbin")
	}
	return filepath.Join(root, KubernetesVersion+"-"+EtcdVersion), nil
}

func checkExecutable(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("missing %s: %w", filepath.Base(path), err)
	}
	if info.IsDir() || info.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}
