package demos

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/getter"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Release is what a `helm install` or `helm upgrade --install` names.
type Release struct {
	Name      string
	Chart     string // a local chart directory or archive
	Namespace string
	Values    values.Options
}

// Render renders the release's chart with its values as Helm would for an
// install, and decodes every manifest it makes. Paths are relative to dir.
func Render(dir string, r Release) ([]*unstructured.Unstructured, error) {
	ch, err := loader.Load(filepath.Join(dir, r.Chart))
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", r.Chart, err)
	}
	opts := r.Values
	opts.ValueFiles = nil
	for _, f := range r.Values.ValueFiles {
		opts.ValueFiles = append(opts.ValueFiles, filepath.Join(dir, f))
	}
	vals, err := opts.MergeValues(getter.Providers{})
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	ns := r.Namespace
	if ns == "" {
		ns = "default"
	}
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: r.Name, Namespace: ns, IsInstall: true, Revision: 1}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("values of chart %s: %w", r.Chart, err)
	}
	files, err := engine.Render(ch, rv)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", r.Chart, err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var objs []*unstructured.Unstructured
	for _, name := range names {
		if !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
			continue // NOTES.txt, helpers
		}
		got, err := DecodeManifests([]byte(files[name]))
		if err != nil {
			return nil, fmt.Errorf("chart %s renders %s that is not a manifest: %w", r.Chart, name, err)
		}
		objs = append(objs, got...)
	}
	for _, crd := range ch.CRDObjects() {
		got, err := DecodeManifests(crd.File.Data)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %s: %w", r.Chart, crd.Filename, err)
		}
		objs = append(objs, got...)
	}
	return objs, nil
}
