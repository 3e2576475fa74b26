package mesh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// linkCRDWait is how long ApplyLink waits for the Link CRD to be served: the
// multicluster chart creates it moments before the first link.
const linkCRDWait = 20 * time.Second

// Labels and names of what a service mirror creates for a link, which
// Unlink removes as `linkerd multicluster unlink` did.
const (
	mirroredServiceLabel = "mirror.linkerd.io/mirrored-service"
	remoteClusterLabel   = "mirror.linkerd.io/cluster-name"
)

func leaseName(target string) string { return "service-mirror-write-" + target }

var applyOptions = metav1.ApplyOptions{FieldManager: fieldManager, Force: true}

// ApplyLink writes objs into the source cluster with server-side apply: the
// credentials Secret in linkerd-multicluster, its copy for the destination
// controller in linkerd, and the Link. It reports whether anything changed;
// applying the same objects again changes nothing. The service-mirror
// controller is not written here: it is objs.Controller() in the source's
// multicluster release.
func ApplyLink(ctx context.Context, source *rest.Config, objs *LinkObjects) (changed bool, err error) {
	if source == nil {
		return false, fmt.Errorf("link %s: no REST config for the source cluster", objs.Target)
	}
	cs, err := kubernetes.NewForConfig(source)
	if err != nil {
		return false, fmt.Errorf("link %s: %w", objs.Target, err)
	}
	dyn, err := dynamic.NewForConfig(source)
	if err != nil {
		return false, fmt.Errorf("link %s: %w", objs.Target, err)
	}
	for _, ns := range []string{MulticlusterNamespace, LinkerdNamespace} {
		c, err := applySecret(ctx, cs, objs, ns)
		if err != nil {
			return changed, fmt.Errorf("link %s: %w", objs.Target, err)
		}
		changed = changed || c
	}
	c, err := applyLinkResource(ctx, dyn, objs)
	if err != nil {
		return changed, fmt.Errorf("link %s: %w", objs.Target, err)
	}
	return changed || c, nil
}

// EnsureLink links spec.Target into spec.Source: GenerateLinkWhenReady, then
// ApplyLink. It does not touch the source's multicluster release; add
// spec.Controller() to it.
func EnsureLink(ctx context.Context, spec LinkSpec) (changed bool, err error) {
	objs, err := GenerateLinkWhenReady(ctx, spec.Target, spec.Gateway)
	if err != nil {
		return false, err
	}
	return ApplyLink(ctx, spec.Source.RESTConfig, objs)
}

func applySecret(ctx context.Context, cs kubernetes.Interface, objs *LinkObjects, namespace string) (bool, error) {
	s := objs.credentials(namespace)
	client := cs.CoreV1().Secrets(namespace)
	before, err := resourceVersion(client.Get(ctx, s.Name, metav1.GetOptions{}))
	if err != nil {
		return false, fmt.Errorf("secret %s/%s: %w", namespace, s.Name, err)
	}
	ac := corev1ac.Secret(s.Name, namespace).
		WithLabels(s.Labels).
		WithAnnotations(s.Annotations).
		WithType(s.Type).
		WithData(s.Data)
	after, err := client.Apply(ctx, ac, applyOptions)
	if apierrors.IsNotFound(err) {
		return false, fmt.Errorf("secret %s/%s: namespace %s does not exist: install Linkerd and the multicluster extension first", namespace, s.Name, namespace)
	}
	if err != nil {
		return false, fmt.Errorf("secret %s/%s: %w", namespace, s.Name, err)
	}
	return after.ResourceVersion != before, nil
}

func applyLinkResource(ctx context.Context, dyn dynamic.Interface, objs *LinkObjects) (bool, error) {
	u, err := objs.unstructuredLink()
	if err != nil {
		return false, err
	}
	client := dyn.Resource(LinkGVR).Namespace(MulticlusterNamespace)
	before, err := resourceVersion(client.Get(ctx, u.GetName(), metav1.GetOptions{}))
	if err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("link %s/%s: %w", MulticlusterNamespace, u.GetName(), err)
	}
	deadline := time.Now().Add(linkCRDWait)
	for {
		after, err := client.Apply(ctx, u.GetName(), u, applyOptions)
		if err == nil {
			return after.GetResourceVersion() != before, nil
		}
		// NotFound here is the whole resource: the CRD is not served yet.
		if !apierrors.IsNotFound(err) || time.Now().After(deadline) {
			if apierrors.IsNotFound(err) {
				return false, fmt.Errorf("link %s/%s: %s is not served: install the multicluster extension first", MulticlusterNamespace, u.GetName(), LinkGVR.GroupResource())
			}
			return false, fmt.Errorf("link %s/%s: %w", MulticlusterNamespace, u.GetName(), err)
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// resourceVersion of a Get's result; "" with no error if there is none.
func resourceVersion(obj metav1.Object, err error) (string, error) {
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return obj.GetResourceVersion(), nil
}

// unstructuredLink is the Link as the dynamic client applies it.
func (o *LinkObjects) unstructuredLink() (*unstructured.Unstructured, error) {
	raw, err := json.Marshal(o.Link.Spec)
	if err != nil {
		return nil, err
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": LinkGVR.GroupVersion().String(),
		"kind":       "Link",
		"spec":       spec,
	}}
	u.SetName(o.Link.Name)
	u.SetNamespace(MulticlusterNamespace)
	u.SetLabels(map[string]string{managedByLabel: fieldManager})
	u.SetAnnotations(map[string]string{createdByAnnotation: fieldManager})
	return u, nil
}

// Unlink removes what linking target into source wrote there, and what
// target's service mirror left behind: the Link, both credentials Secrets,
// the mirror's Lease and the mirrored Services. The controller entry is
// removed from the release with RemoveController. Unlinking what is not
// linked changes nothing.
func Unlink(ctx context.Context, source *rest.Config, target string) (changed bool, err error) {
	cs, err := kubernetes.NewForConfig(source)
	if err != nil {
		return false, fmt.Errorf("unlink %s: %w", target, err)
	}
	dyn, err := dynamic.NewForConfig(source)
	if err != nil {
		return false, fmt.Errorf("unlink %s: %w", target, err)
	}
	var errs []error
	deleted := func(what string, err error) {
		switch {
		case err == nil:
			changed = true
		case !apierrors.IsNotFound(err):
			errs = append(errs, fmt.Errorf("unlink %s: delete %s: %w", target, what, err))
		}
	}
	del := metav1.DeleteOptions{}
	deleted("link", dyn.Resource(LinkGVR).Namespace(MulticlusterNamespace).Delete(ctx, target, del))
	deleted("credentials", cs.CoreV1().Secrets(MulticlusterNamespace).Delete(ctx, CredentialsSecretName(target), del))
	deleted("lease", cs.CoordinationV1().Leases(MulticlusterNamespace).Delete(ctx, leaseName(target), del))

	// The destination's copy is found by label, as unlink did: it need not
	// carry our name.
	creds, err := cs.CoreV1().Secrets(LinkerdNamespace).List(ctx, metav1.ListOptions{LabelSelector: ClusterNameLabel + "=" + target})
	if err != nil {
		errs = append(errs, fmt.Errorf("unlink %s: list destination credentials: %w", target, err))
	} else {
		for _, s := range creds.Items {
			deleted("secret "+s.Namespace+"/"+s.Name, cs.CoreV1().Secrets(s.Namespace).Delete(ctx, s.Name, del))
		}
	}
	mirrors, err := cs.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		LabelSelector: mirroredServiceLabel + "=true," + remoteClusterLabel + "=" + target,
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("unlink %s: list mirrored services: %w", target, err))
	} else {
		for _, s := range mirrors.Items {
			deleted("service "+s.Namespace+"/"+s.Name, cs.CoreV1().Services(s.Namespace).Delete(ctx, s.Name, del))
		}
	}
	return changed, errors.Join(errs...)
}

// Linked reports whether source holds a Link to target. A source without
// the Link CRD (no multicluster extension) holds none.
func Linked(ctx context.Context, source *rest.Config, target string) (bool, error) {
	dyn, err := dynamic.NewForConfig(source)
	if err != nil {
		return false, err
	}
	_, err = dyn.Resource(LinkGVR).Namespace(MulticlusterNamespace).Get(ctx, target, metav1.GetOptions{})
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("look for the link to %s: %w", target, err)
}
