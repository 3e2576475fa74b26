package testenv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
)

// Need is the suite's one skip policy for what a test needs from the
// machine: the Docker engine, the API server binaries, a tool. With -short
// (make unit) such tests are skipped, whether or not the machine has what
// they need; without it, a missing need (err not nil) fails the test with
// how to get it, so that a machine without Docker cannot pass the suite by
// skipping half of it.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s; skipped with -short", what)
	}
	if err != nil {
		t.Fatalf("needs %s: %v\n(make test builds or starts what the tests need; go test -short runs only the tests that need nothing)", what, err)
	}
}

// NeedAPIServers applies Need to the kube-apiserver and etcd binaries.
func NeedAPIServers(t testing.TB) {
	t.Helper()
	if testing.Short() {
		Need(t, "kube-apiserver and etcd", nil)
	}
	_, _, err := Binaries()
	Need(t, "kube-apiserver and etcd (make testbin)", err)
}

// NeedTool applies Need to a command found on PATH and returns its path.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	if testing.Short() {
		Need(t, name, nil)
	}
	path, err := exec.LookPath(name)
	Need(t, name+" on PATH", err)
	return path
}

// FreeDockerSubnet returns a random 192.168.<200-249>.0/24 that no Docker
// network uses now. Another test may take it before the caller does: retry
// on Docker's "pool overlaps" error.
func FreeDockerSubnet(t testing.TB) netip.Prefix {
	t.Helper()
	used, err := dockerSubnets()
	if err != nil {
		t.Fatalf("list Docker networks: %v", err)
	}
	for range 100 {
		p := netip.MustParsePrefix(fmt.Sprintf("192.168.%d.0/24", 200+rand.IntN(50)))
		free := true
		for _, u := range used {
			free = free && !u.Overlaps(p)
		}
		if free {
			return p
		}
	}
	t.Fatal("no free 192.168.2xx.0/24 among Docker's networks")
	return netip.Prefix{}
}

// dockerSubnets lists the subnets of every Docker network.
func dockerSubnets() ([]netip.Prefix, error) {
	out, err := exec.Command("docker", "network", "ls", "-q").Output()
	if err != nil {
		return nil, fmt.Errorf("docker network ls: %w", errors.Join(err, stderrOf(err)))
	}
	ids := strings.Fields(string(out))
	if len(ids) == 0 {
		return nil, nil
	}
	// Networks removed meanwhile make inspect fail after printing the rest,
	// which is all that is needed.
	out, _ = exec.Command("docker", append([]string{"network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"}, ids...)...).Output()
	var used []netip.Prefix
	for _, s := range strings.Fields(string(out)) {
		if p, err := netip.ParsePrefix(s); err == nil {
			used = append(used, p)
		}
	}
	return used, nil
}

func stderrOf(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return errors.New(strings.TrimSpace(string(ee.Stderr)))
	}
	return nil
}
