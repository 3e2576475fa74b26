package k3d

import (
	"errors"
	"testing"

	"github.com/localcluster/localcluster/internal/provider"
)

func TestExplain(t *testing.T) {
	// What client.ClusterRun returns when the k3s image cannot be pulled
	// (k3d flattens its error chain with %+v).
	msg := "failed Cluster Creation: failed setup of server/agent node k3d-smiley-server-0: failed to create node: " +
		"runtime failed to create node 'k3d-smiley-server-0': failed to create container for node 'k3d-smiley-server-0': " +
		"docker failed to pull image 'docker.io/rancher/k3s:v1.32.5-k3s1': docker failed to pull the image " +
		"'docker.io/rancher/k3s:v1.32.5-k3s1': Error response from daemon: Get \"https://registry-1.docker.io/v2/\": no such host"
	inner := errors.New(msg)
	var ie *provider.ImageError
	if err := explain(inner); !errors.As(err, &ie) || !errors.Is(err, inner) {
		t.Fatalf("explain = %v, want an ImageError wrapping k3d's", err)
	}
	if ie.Image != DefaultImage || ie.Reason != `Error response from daemon: Get "https://registry-1.docker.io/v2/": no such host` {
		t.Errorf("ImageError = %+v", ie)
	}
	other := errors.New("Failed Cluster Start: timeout")
	if got := explain(other); got != other {
		t.Errorf("explain changed an unrelated error: %v", got)
	}
}
