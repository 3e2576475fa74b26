package app

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/imagecache"
	"github.com/localcluster/localcluster/internal/plan"
	kindprovider "github.com/localcluster/localcluster/internal/provider/kind"
	"github.com/localcluster/localcluster/internal/testenv"
	"github.com/localcluster/localcluster/internal/workflow"
)

// TestMirrorsReachExistingClusters runs create's network and cluster
// steps, for real, on a lab whose kind clusters already exist and run, and
// whose cache is on (the default): each kept cluster's nodes must get the
// cache's hosts.toml files, and a second run must change nothing. The
// nodes are stand-ins (busybox containers with kind's labels, as in
// TestImagesLoadStandInNodes): "new" holds the containerd config a node
// created with the cache on has (config_path set by create's patch), "old"
// none, like a node created with the cache off, whose containerd reads no
// hosts.toml: its step must say so.
func TestMirrorsReachExistingClusters(t *testing.T) {
	imagesPreconditions(t)
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	id := hex.EncodeToString(b)
	network := "lc-mirrors-" + id
	dir := t.TempDir()
	files := map[string]string{
		"lab.yaml": fmt.Sprintf("kind: SMA-lab\napiVersion: sma.buoyant.io/v1alpha1\nspec:\n  network:\n    name: %s\n    ipv4Subnet: %s\n", network, testenv.FreeDockerSubnet(t)),
	}
	nodes := map[string]string{}
	for i, role := range []string{"new", "old"} {
		name := fmt.Sprintf("mr%s-%s", id, role)
		files[name+"/sma.yaml"] = fmt.Sprintf("kind: SMA-cluster\napiVersion: sma.buoyant.io/v1alpha1\nmetadata:\n  name: %s\nspec:\n  subnet: %d/%d\n  provider: kind\n", name, i+1, i+1)
		nodes[role] = name + "-control-plane"
	}
	writeFiles(t, dir, files)
	t.Cleanup(func() {
		_ = exec.Command("docker", "rm", "-f", nodes["new"], nodes["old"]).Run()
		_ = exec.Command("docker", "network", "rm", network).Run()
	})
	for role, node := range nodes {
		setup := "sleep 3600"
		if role == "new" {
			setup = `mkdir -p /etc/containerd && printf '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n' > /etc/containerd/config.toml && ` + setup
		}
		dockerCLI(t, "run", "-d", "--name", node, "--label", "io.x-k8s.kind.cluster="+strings.TrimSuffix(node, "-control-plane"),
			"--label", "io.x-k8s.kind.role=control-plane", testNodeImage, "sh", "-c", setup)
	}

	create := labCommand{Use: "create", Build: func(l *loadedLab, p *plan.Plan) error {
		p.Add(workflow.NetworkStep(l.Env))
		for _, s := range workflow.CreateSteps(l.Env, l.Selected) {
			if strings.HasPrefix(s.ID, workflow.CreateStep+"/") {
				p.Add(s)
			}
		}
		return nil
	}}
	mirrors := imagecache.Resolve(definition.CacheSettings{}).Mirrors
	out, err := runWithCache(t, create, dir, imagecache.Default())
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantLine(t, out, "Create kind cluster", "kept (--force recreates it); registry mirrors configured in "+nodes["new"])
	wantLine(t, out, "Create kind cluster", "warning: containerd in "+nodes["old"]+" was set up without registry mirrors")
	for _, node := range nodes {
		for _, f := range kindprovider.HostsFiles(mirrors) {
			got, err := exec.Command("docker", "exec", node, "cat", f.Path).CombinedOutput()
			if err != nil || !bytes.Equal(got, f.Data) {
				t.Errorf("%s: %s is %q (%v), want\n%s", node, f.Path, got, err, f.Data)
			}
		}
	}

	// Again: every file is right, so nothing is written.
	stamp := func() string {
		return dockerCLI(t, "exec", nodes["new"], "ls", "-li", "--full-time", kindprovider.HostsDir+"/docker.io/hosts.toml")
	}
	before := stamp()
	time.Sleep(1100 * time.Millisecond) // a rewrite would show in the time, to the second
	out, err = runWithCache(t, create, dir, imagecache.Default())
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(out, "registry mirrors configured") || !strings.Contains(out, "0 changed, 3 already as wanted") {
		t.Errorf("a second create rewrote mirrors:\n%s", out)
	}
	if after := stamp(); after != before {
		t.Errorf("the second create rewrote docker.io's hosts.toml: %q, then %q", before, after)
	}

	// A changed file is put right.
	dockerCLI(t, "exec", nodes["new"], "sh", "-c", "echo stale > "+kindprovider.HostsDir+"/quay.io/hosts.toml")
	out, err = runWithCache(t, create, dir, imagecache.Default())
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantLine(t, out, "Create kind cluster", "registry mirrors configured in "+nodes["new"])
}
