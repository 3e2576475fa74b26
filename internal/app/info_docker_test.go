package app

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// infoNodeImage is built by `make testimage` (hack/testimage/build.sh).
const infoNodeImage = "localcluster-testnode:busybox"

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// info against the real Docker engine: a container labelled as the kind
// node of a lab cluster, on the lab's network, shows with its address.
func TestInfoShowsNodesFromDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	if out, err := exec.Command("docker", "image", "inspect", infoNodeImage).CombinedOutput(); err != nil {
		t.Fatalf("no %s image (run make testimage): %v\n%s", infoNodeImage, err, out)
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	net, name := "lc-info-"+id, "n"+id
	docker(t, "network", "create", "--subnet", "192.168.237.0/24", "--ip-range", "192.168.237.0/28", "--label", "dev.localcluster.test="+id, net)
	t.Cleanup(func() { _ = exec.Command("docker", "network", "rm", net).Run() })
	docker(t, "run", "-d", "--name", name+"-control-plane", "--network", net, "--publish", "127.0.0.1::6443",
		"--label", "io.x-k8s.kind.cluster="+name, "--label", "io.x-k8s.kind.role=control-plane", "--label", "dev.localcluster.test="+id,
		infoNodeImage, "sleep", "600")
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name+"-control-plane").Run() })

	lab := t.TempDir()
	write := func(path, body string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(lab, "lab.yaml"), "kind: SMA-lab\napiVersion: sma.buoyant.io/v1alpha1\nspec:\n  network:\n    name: "+net+"\n    ipv4Subnet: 192.168.237.0/24\n")
	write(filepath.Join(lab, name, "sma.yaml"), "kind: SMA-cluster\napiVersion: sma.buoyant.io/v1alpha1\nmetadata:\n  name: "+name+"\nspec:\n  subnet: 31/3\n  provider: kind\n")
	stdout, stderr, err := runWithDocker(t, "info", "-o", "json", lab)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var infos []ClusterInfo
	if err := json.Unmarshal([]byte(stdout), &infos); err != nil {
		t.Fatal(err)
	}
	want := docker(t, "inspect", "-f", `{{(index .NetworkSettings.Networks "`+net+`").IPAddress}}`, name+"-control-plane")
	if len(infos) != 1 || len(infos[0].Nodes) != 1 {
		t.Fatalf("infos = %+v", infos)
	}
	n := infos[0].Nodes[0]
	if n.Container != name+"-control-plane" || n.IPv4 != want || n.State != "running" {
		t.Errorf("node = %+v, want address %s", n, want)
	}
	if host := docker(t, "port", name+"-control-plane", "6443/tcp"); n.HostAPI != host {
		t.Errorf("host API = %q, want the published port %q", n.HostAPI, host)
	}
	if !strings.HasPrefix(want, "192.168.237.") {
		t.Errorf("address %s is not on the lab network", want)
	}
	if strings.Join(infos[0].LBPools, ",") != "192.168.237.48/28" {
		t.Errorf("pools = %v: the pool comes from the lab's network", infos[0].LBPools)
	}
}
