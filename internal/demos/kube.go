package demos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// Kube validates manifests against a real kube-apiserver with server-side
// dry-run. One API server stands for every cluster of a lab: they all carry
// the same APIs once Linkerd is installed (the Gateway API and Linkerd's
// CRDs), and a dry-run leaves nothing behind that could make one cluster's
// manifest clash with another's.
type Kube struct {
	dyn    dynamic.Interface
	client kubernetes.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// NewKube connects to the API server at cfg and installs the CRDs the labs
// have (crds: manifests holding CustomResourceDefinitions).
func NewKube(ctx context.Context, cfg *rest.Config, crds []*unstructured.Unstructured) (*Kube, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	k := &Kube{dyn: dyn, client: client, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}
	if err := k.installCRDs(ctx, crds); err != nil {
		return nil, err
	}
	return k, nil
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

func (k *Kube) installCRDs(ctx context.Context, crds []*unstructured.Unstructured) error {
	for _, crd := range crds {
		_, err := k.dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("install CRD %s: %w", crd.GetName(), err)
		}
	}
	for _, crd := range crds {
		if err := k.waitEstablished(ctx, crd.GetName()); err != nil {
			return err
		}
	}
	k.mapper.Reset()
	return nil
}

func (k *Kube) waitEstablished(ctx context.Context, name string) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		crd, err := k.dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("CRD %s not established: %w", name, err)
	}
	return nil
}

// Validate sends every object to the API server as a server-side apply
// with dryRun=All. Namespaced objects without a namespace go to ns (or
// "default"); the namespace itself is created for real if missing, standing
// in for the `kubectl create ns` the workshop runs before.
func (k *Kube) Validate(ctx context.Context, objs []*unstructured.Unstructured, ns string) []error {
	var errs []error
	for _, obj := range objs {
		if err := k.validate(ctx, obj, ns); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err))
		}
	}
	return errs
}

func (k *Kube) validate(ctx context.Context, obj *unstructured.Unstructured, ns string) error {
	gvk := obj.GroupVersionKind()
	mapping, err := k.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("the API server does not serve %s (a CRD missing from the lab?): %w", gvk, err)
	}
	var res dynamic.ResourceInterface = k.dyn.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.GetNamespace() != "" {
			ns = obj.GetNamespace()
		}
		if ns == "" {
			ns = metav1.NamespaceDefault
		}
		if err := k.ensureNamespace(ctx, ns); err != nil {
			return err
		}
		res = k.dyn.Resource(mapping.Resource).Namespace(ns)
	}
	_, err = res.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{
		FieldManager: "localcluster-demos",
		Force:        true,
		DryRun:       []string{metav1.DryRunAll},
	})
	return err
}

func (k *Kube) ensureNamespace(ctx context.Context, name string) error {
	_, err := k.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("namespace %s: %w", name, err)
	}
	return nil
}

// DecodeManifests reads every object in a YAML stream (List kinds are
// unwrapped; empty documents skipped).
func DecodeManifests(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		obj := &unstructured.Unstructured{Object: m}
		if obj.GetKind() == "" || obj.GetAPIVersion() == "" {
			return nil, fmt.Errorf("a document without apiVersion and kind")
		}
		if obj.IsList() {
			err := obj.EachListItem(func(o runtime.Object) error {
				out = append(out, o.(*unstructured.Unstructured))
				return nil
			})
			if err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, obj)
	}
}

// ReadManifests reads a manifest file, or every .yaml, .yml and .json file
// of a directory, as `kubectl apply -f` does (not recursively).
func ReadManifests(path string) ([]*unstructured.Unstructured, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if info.IsDir() {
		files = nil
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			switch filepath.Ext(e.Name()) {
			case ".yaml", ".yml", ".json":
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	var out []*unstructured.Unstructured
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := DecodeManifests(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, objs...)
	}
	return out, nil
}

// CRDs keeps the CustomResourceDefinitions of objs, leaving out those of
// the groups in skip.
func CRDs(objs []*unstructured.Unstructured, skip ...string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		group, _, _ := unstructured.NestedString(o.Object, "spec", "group")
		if contains(skip, group) {
			continue
		}
		out = append(out, o)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
