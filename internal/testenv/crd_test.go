package testenv

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
)

// crdResource is where CRDs live. The main module has no direct
// apiextensions dependency, so CRDs go through the dynamic client.
func crdResource() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
}

func testCRD(t *testing.T, alpha, beta *APIServer) {
	ctx := t.Context()
	dyn := dynamic.NewForConfigOrDie(alpha.RESTConfig)
	crd := widgetCRD()
	if _, err := dyn.Resource(crdResource()).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create CRD: %v", err)
	}
	if err := waitEstablished(ctx, dyn, crd.GetName()); err != nil {
		t.Fatalf("CRD %s: %v", crd.GetName(), err)
	}

	widgets := schema.GroupVersionResource{Group: "test.localcluster.dev", Version: "v1", Resource: "widgets"}
	widget := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "test.localcluster.dev/v1",
		"kind":       "Widget",
		"metadata":   map[string]any{"name": "w1", "namespace": metav1.NamespaceDefault},
		"spec":       map[string]any{"size": int64(3)},
	}}
	if _, err := dyn.Resource(widgets).Namespace(metav1.NamespaceDefault).Create(ctx, widget, metav1.CreateOptions{}); err != nil {
		t.Errorf("create custom resource: %v", err)
	}

	betaDyn := dynamic.NewForConfigOrDie(beta.RESTConfig)
	if _, err := betaDyn.Resource(crdResource()).Get(ctx, crd.GetName(), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("CRD in beta: got error %v, want NotFound", err)
	}
}

func widgetCRD() *unstructured.Unstructured {
	schemaProps := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"spec": map[string]any{
				"type":       "object",
				"properties": map[string]any{"size": map[string]any{"type": "integer"}},
			},
		},
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": "widgets.test.localcluster.dev"},
		"spec": map[string]any{
			"group": "test.localcluster.dev",
			"scope": "Namespaced",
			"names": map[string]any{"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": schemaProps},
			}},
		},
	}}
}

func waitEstablished(ctx context.Context, dyn dynamic.Interface, name string) error {
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		crd, err := dyn.Resource(crdResource()).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		// Until the first status update, conditions is null.
		conditions, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		for _, c := range conditions {
			cond, ok := c.(map[string]any)
			if ok && cond["type"] == "Established" && cond["status"] == "True" {
				return true, nil
			}
		}
		return false, nil
	})
}
