package testenv

import (
	"fmt"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// MergedKubeconfig writes one kubeconfig file holding all the given servers
// as contexts named after them and returns its path. The current context is
// the first server's. The file lives in t's temp dir.
func MergedKubeconfig(t testing.TB, servers ...*APIServer) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), kubeconfigFile)
	if err := writeKubeconfig(path, servers...); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return path
}

// writeKubeconfig writes servers as one cluster, user and context each, all
// named after the server, with credentials inline so the file stands alone.
func writeKubeconfig(path string, servers ...*APIServer) error {
	if len(servers) == 0 {
		return fmt.Errorf("write kubeconfig %s: no API servers given", path)
	}
	cfg := clientcmdapi.NewConfig()
	for _, s := range servers {
		if _, dup := cfg.Contexts[s.Name]; dup {
			return fmt.Errorf("write kubeconfig %s: two API servers are named %q", path, s.Name)
		}
		tls := s.RESTConfig.TLSClientConfig
		cluster := clientcmdapi.NewCluster()
		cluster.Server = s.URL
		cluster.CertificateAuthorityData = tls.CAData
		user := clientcmdapi.NewAuthInfo()
		user.ClientCertificateData = tls.CertData
		user.ClientKeyData = tls.KeyData
		kctx := clientcmdapi.NewContext()
		kctx.Cluster = s.Name
		kctx.AuthInfo = s.Name
		cfg.Clusters[s.Name] = cluster
		cfg.AuthInfos[s.Name] = user
		cfg.Contexts[s.Name] = kctx
	}
	cfg.CurrentContext = servers[0].Name
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
