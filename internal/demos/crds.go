package demos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"helm.sh/helm/v3/pkg/cli/values"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// GatewayAPIVersion is the sigs.k8s.io/gateway-api release whose CRDs the
// labs are checked with. v1.6 builds on k8s.io v0.36, below this module's
// v0.37, and its CRDs are accepted by the API server the tests run.
const GatewayAPIVersion = "v1.6.3"

// GatewayAPICRDs reads the standard-channel CRDs from the
// sigs.k8s.io/gateway-api Go module, downloaded into the module cache
// through the Go module proxy.
func GatewayAPICRDs(ctx context.Context) ([]*unstructured.Unstructured, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", "sigs.k8s.io/gateway-api@"+GatewayAPIVersion)
	cmd.Dir = os.TempDir() // outside this module: nothing is added to go.mod or go.sum
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOFLAGS=-mod=mod")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go mod download sigs.k8s.io/gateway-api@%s: %w: %s", GatewayAPIVersion, err, errb.String())
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &mod); err != nil {
		return nil, fmt.Errorf("go mod download: %w", err)
	}
	if mod.Error != "" || mod.Dir == "" {
		return nil, fmt.Errorf("go mod download sigs.k8s.io/gateway-api@%s: %s", GatewayAPIVersion, mod.Error)
	}
	objs, err := ReadManifests(filepath.Join(mod.Dir, "config", "crd", "standard"))
	if err != nil {
		return nil, err
	}
	crds := CRDs(objs)
	if len(crds) == 0 {
		return nil, fmt.Errorf("no CRDs in %s", mod.Dir)
	}
	return crds, nil
}

// ChartCRDs renders the charts under dir (by name, with no values) and
// keeps their CRDs, leaving out the Gateway API's, which GatewayAPICRDs
// brings whole.
func ChartCRDs(dir string, charts ...string) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, ch := range charts {
		objs, err := Render(dir, Release{Name: ch, Chart: ch, Namespace: "linkerd", Values: values.Options{}})
		if err != nil {
			return nil, err
		}
		out = append(out, CRDs(objs, "gateway.networking.k8s.io")...)
	}
	return out, nil
}
