package workflow

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/localcluster/localcluster/internal/mesh"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// gatewayAPIOwnedElsewhere reports whether the Gateway API CRDs are in the
// cluster already, installed by something other than our linkerd-crds
// release (newer workshops install them first): then linkerd-crds must not
// install them too, or Helm refuses to take them over.
func gatewayAPIOwnedElsewhere(ctx context.Context, cfg *rest.Config) (bool, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return false, err
	}
	crd, err := dyn.Resource(crdResource).Get(ctx, "httproutes.gateway.networking.k8s.io", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look for the Gateway API CRDs: %w", err)
	}
	return crd.GetAnnotations()["meta.helm.sh/release-name"] != mesh.CRDsReleaseName, nil
}
