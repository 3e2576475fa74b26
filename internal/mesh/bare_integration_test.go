package mesh

import (
	"context"
	"strings"
	"testing"
)

// TestBareCluster runs against an API server without Linkerd.
func TestBareCluster(t *testing.T) {
	skipShort(t)
	l := startLab(t, "bare")
	bare := l.servers["bare"]
	ctx := context.Background()

	t.Run("links need the multicluster extension", func(t *testing.T) {
		objs := &LinkObjects{Target: "east", Kubeconfig: []byte("apiVersion: v1\nkind: Config\n"), Link: Link{Name: "east"}}
		_, err := ApplyLink(ctx, bare.RESTConfig, objs)
		if err == nil || !strings.Contains(err.Error(), "namespace linkerd-multicluster does not exist") {
			t.Errorf("ApplyLink into a cluster without Linkerd: %v", err)
		}
		if _, err := GenerateLink(ctx, l.endpoint("bare", ""), false); err == nil || !strings.Contains(err.Error(), "install Linkerd first") {
			t.Errorf("GenerateLink from a cluster without Linkerd: %v", err)
		}
		if changed, err := Unlink(ctx, bare.RESTConfig, "east"); err != nil || changed {
			t.Errorf("Unlink of nothing = %v, %v; want unchanged, no error", changed, err)
		}
	})

}
