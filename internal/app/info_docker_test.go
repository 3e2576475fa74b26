package app

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/testenv"
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
	testenv.Need(t, "the Docker engine", nil)
	if out, err := exec.Command("docker", "image", "inspect", infoNodeImage).CombinedOutput(); err != nil {
		testenv.Need(t, "the "+infoNodeImage+" image (make testimage builds it)", fmt.Errorf("%w: %s", err, out))
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	net, name := "lc-info-"+id, "n"+id
	subnet := createFreeNetwork(t, net, id)
	prefix := strings.TrimSuffix(subnet.Addr().String(), "0") // "192.168.2xx."
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
	write(filepath.Join(lab, "lab.yaml"), "kind: SMA-lab\napiVersion: sma.buoyant.io/v1alpha1\nspec:\n  network:\n    name: "+net+"\n    ipv4Subnet: "+subnet.String()+"\n")
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
	if !strings.HasPrefix(want, prefix) {
		t.Errorf("address %s is not on the lab network", want)
	}
	if strings.Join(infos[0].LBPools, ",") != prefix+"48/28" {
		t.Errorf("pools = %v: the pool comes from the lab's network", infos[0].LBPools)
	}
}

// createFreeNetwork creates a labelled network on a subnet no other
// network uses, trying others while another test takes the one picked.
func createFreeNetwork(t *testing.T, name, id string) netip.Prefix {
	t.Helper()
	for attempt := 0; ; attempt++ {
		subnet := testenv.FreeDockerSubnet(t)
		out, err := exec.Command("docker", "network", "create", "--subnet", subnet.String(),
			"--ip-range", netip.PrefixFrom(subnet.Addr(), 28).String(), "--label", "dev.localcluster.test="+id, name).CombinedOutput()
		if err == nil {
			return subnet
		}
		if !strings.Contains(string(out), "overlap") || attempt == 5 {
			t.Fatalf("docker network create: %v\n%s", err, out)
		}
	}
}
