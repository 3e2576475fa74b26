package workflow

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/localcluster/localcluster/internal/testenv"
)

func httpRouteCRD(annotations map[string]any) *unstructured.Unstructured {
	// *.k8s.io groups need this, as the real Gateway API CRDs carry it.
	annotations["api-approved.kubernetes.io"] = "https://github.com/kubernetes-sigs/gateway-api/pull/3328"
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "httproutes.gateway.networking.k8s.io", "annotations": annotations},
		"spec": map[string]any{
			"group": "gateway.networking.k8s.io", "scope": "Namespaced",
			"names": map[string]any{"plural": "httproutes", "singular": "httproute", "kind": "HTTPRoute", "listKind": "HTTPRouteList"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			}},
		},
	}}
}

// Against real API servers: the Gateway API CRDs absent, installed by
// someone else, and installed by our own linkerd-crds release.
func TestGatewayAPIOwnedElsewhere(t *testing.T) {
	testenv.NeedAPIServers(t)
	servers := testenv.Start(t, "none", "theirs", "ours")
	ctx := context.Background()
	create := func(i int, annotations map[string]any) {
		dyn, err := dynamic.NewForConfig(servers[i].RESTConfig)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dyn.Resource(crdResource).Create(ctx, httpRouteCRD(annotations), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	create(1, map[string]any{"meta.helm.sh/release-name": "gateway-api"})
	create(2, map[string]any{"meta.helm.sh/release-name": "linkerd-crds"})
	for i, want := range []bool{false, true, false} {
		got, err := gatewayAPIOwnedElsewhere(ctx, servers[i].RESTConfig)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: owned elsewhere = %v, want %v", servers[i].Name, got, want)
		}
	}
}
