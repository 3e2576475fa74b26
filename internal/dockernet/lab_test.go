package dockernet

// Integration-test harness. These tests run against the real Docker engine:
// busybox containers with NET_ADMIN on a throwaway network stand in for
// kind/k3d node containers. Each test owns a random id; everything it makes
// carries testLabel=<id> and is removed in t.Cleanup.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"

	"github.com/localcluster/localcluster/internal/testenv"
)

const (
	testImage = "localcluster-testnode:busybox"
	testLabel = "dev.localcluster.test"
)

type lab struct {
	tb  testing.TB
	cli *Client
	rec *recordingAPI
	id  string
	ctx context.Context
}

// newLab connects to Docker, checks the test image, and registers the final
// check that the test left nothing behind and removed nothing it did not make.
func newLab(tb testing.TB) *lab {
	tb.Helper()
	testenv.Need(tb, "the Docker engine", nil)
	ctx := context.Background()
	probe, err := New(ctx) // for its clear "is Docker running?" error
	if err != nil {
		tb.Fatal(err)
	}
	_ = probe.Close()
	c, rec, err := newRecordingClient()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.api.ImageInspect(ctx, testImage); err != nil {
		tb.Fatalf("test image %s: %v; run make testimage", testImage, err)
	}
	l := &lab{tb: tb, cli: c, rec: rec, id: randomHex(tb, 3), ctx: ctx}
	before := l.snapshot()
	tb.Cleanup(func() {
		defer func() { _ = c.Close() }()
		if foreign := rec.foreign(l.name("")); len(foreign) > 0 {
			tb.Errorf("the test removed, stopped or disconnected what it did not make: %v", foreign)
		}
		if left := l.leftovers(); len(left) > 0 {
			tb.Errorf("left behind: %v", left)
		}
		// Others share this engine and remove their own objects meanwhile, so
		// a pre-existing object that is gone fails the test only if it went
		// through this test's client.
		after := l.snapshot()
		for id, obj := range before {
			if _, ok := after[id]; !ok && rec.didTouch(obj.kind, obj.name) {
				tb.Errorf("%s %s %v existed before the test and the test removed it", obj.kind, obj.name, obj.labels)
			}
		}
	})
	return l
}

type dockerObject struct {
	kind, name string
	labels     map[string]string
}

// snapshot lists all containers and networks by id.
func (l *lab) snapshot() map[string]dockerObject {
	l.tb.Helper()
	objs := map[string]dockerObject{}
	ctrs, err := l.cli.api.ContainerList(l.ctx, container.ListOptions{All: true})
	if err != nil {
		l.tb.Fatal(err)
	}
	for _, s := range ctrs {
		objs[s.ID] = dockerObject{"container", strings.TrimPrefix(s.Names[0], "/"), s.Labels}
	}
	nets, err := l.cli.api.NetworkList(l.ctx, network.ListOptions{})
	if err != nil {
		l.tb.Fatal(err)
	}
	for _, n := range nets {
		objs[n.ID] = dockerObject{"network", n.Name, n.Labels}
	}
	return objs
}

func (l *lab) name(suffix string) string { return "lc-test-" + l.id + "-" + suffix }

// labSpec is a network spec with a random IPv4 /24 and IPv6 /64 of its own.
func (l *lab) labSpec(suffix string) NetworkSpec {
	third := 200 + randomInt(l.tb, 50)
	return NetworkSpec{
		Name:       l.name(suffix),
		IPv4Subnet: netip.MustParsePrefix(fmt.Sprintf("192.168.%d.0/24", third)),
		IPv4Range:  netip.MustParsePrefix(fmt.Sprintf("192.168.%d.0/28", third)),
		IPv6Subnet: netip.MustParsePrefix(fmt.Sprintf("fd00:beef:%x::/64", randomInt(l.tb, 0xffff)+1)),
		MTU:        1500,
		Labels:     map[string]string{testLabel: l.id},
	}
}

// ensureNetwork runs EnsureNetwork, picking other random subnets while they
// clash with networks that other test runs own, and removes it at cleanup.
func (l *lab) ensureNetwork(spec NetworkSpec) NetworkSpec {
	l.tb.Helper()
	for attempt := 0; ; attempt++ {
		changed, err := l.cli.EnsureNetwork(l.ctx, spec)
		var inUse *SubnetInUseError
		if errors.As(err, &inUse) && attempt < 10 {
			fresh := l.labSpec("x")
			fresh.Name, fresh.IPv4Range = spec.Name, shiftRange(spec.IPv4Range, fresh.IPv4Subnet)
			spec = fresh
			continue
		}
		if err != nil {
			l.tb.Fatalf("EnsureNetwork: %v", err)
		}
		if !changed {
			l.tb.Fatalf("EnsureNetwork(%s) reused a network; want a new one", spec.Name)
		}
		l.removeNetworkAtCleanup(spec.Name)
		return spec
	}
}

// shiftRange moves range r (inside some /24) to the same offset in subnet.
func shiftRange(r, subnet netip.Prefix) netip.Prefix {
	b, s := r.Addr().As4(), subnet.Addr().As4()
	b[0], b[1], b[2] = s[0], s[1], s[2]
	return netip.PrefixFrom(netip.AddrFrom4(b), r.Bits())
}

func (l *lab) removeNetworkAtCleanup(name string) {
	l.tb.Cleanup(func() {
		if err := l.cli.api.NetworkRemove(context.Background(), name); err != nil && !cerrdefs.IsNotFound(err) {
			l.tb.Errorf("removing network %s: %v", name, err)
		}
	})
}

// testNode is a stand-in node container; pod n owns 10.n.1.0/24 and
// fd00:n:1::/64 and answers on 10.n.1.1 and fd00:n:1::1.
type testNode struct {
	container string
	n         int
}

func (tn testNode) pod4() netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("10.%d.1.0/24", tn.n))
}
func (tn testNode) pod6() netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("fd00:%x:1::/64", tn.n))
}
func (tn testNode) ip4() string { return fmt.Sprintf("10.%d.1.1", tn.n) }
func (tn testNode) ip6() string { return fmt.Sprintf("fd00:%x:1::1", tn.n) }

// startNode starts a sleeping busybox container with the given labels on
// network net ("" for none) and gives it pod addresses on lo.
func (l *lab) startNode(suffix, net string, n int, labels map[string]string) testNode {
	l.tb.Helper()
	all := map[string]string{testLabel: l.id}
	for k, v := range labels {
		all[k] = v
	}
	name := l.name(suffix)
	hc := &container.HostConfig{
		CapAdd:  []string{"NET_ADMIN"},
		Sysctls: map[string]string{"net.ipv6.conf.all.disable_ipv6": "0", "net.ipv4.ip_forward": "1"},
	}
	nc := &network.NetworkingConfig{}
	if net != "" {
		hc.NetworkMode = container.NetworkMode(net)
		nc.EndpointsConfig = map[string]*network.EndpointSettings{net: {}}
	} else {
		hc.NetworkMode = "none"
	}
	_, err := l.cli.api.ContainerCreate(l.ctx, &container.Config{
		Image:  testImage,
		Cmd:    []string{"sleep", "2147483647"},
		Labels: all,
	}, hc, nc, nil, name)
	if err != nil {
		l.tb.Fatalf("creating %s: %v", name, err)
	}
	l.tb.Cleanup(func() {
		err := l.cli.api.ContainerRemove(context.Background(), name, container.RemoveOptions{Force: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			l.tb.Errorf("removing %s: %v", name, err)
		}
	})
	if err := l.cli.api.ContainerStart(l.ctx, name, container.StartOptions{}); err != nil {
		l.tb.Fatalf("starting %s: %v", name, err)
	}
	node := testNode{container: name, n: n}
	l.addPodAddrs(node)
	l.dropDefaultRoutes(name)
	return node
}

// addPodAddrs puts the node's pod addresses on lo, unless they are there.
// Docker turns IPv6 off in a container that loses its last IPv6 network,
// which drops them, so a reconnected node needs them again.
func (l *lab) addPodAddrs(node testNode) {
	l.tb.Helper()
	have := l.mustExec(node.container, "ip", "addr", "show", "dev", "lo")
	if !strings.Contains(have, " "+node.ip4()+"/") {
		l.mustExec(node.container, "ip", "addr", "add", node.ip4()+"/32", "dev", "lo")
	}
	if !strings.Contains(have, " "+node.ip6()+"/") {
		l.mustExec(node.container, "ip", "-6", "addr", "add", node.ip6()+"/128", "dev", "lo")
	}
}

// dropDefaultRoutes keeps test traffic between test containers: without a
// default route, a packet to a pod CIDR that has no route fails in the
// sender instead of leaving through the Docker host.
func (l *lab) dropDefaultRoutes(ctr string) {
	l.tb.Helper()
	for _, v6 := range []bool{false, true} {
		out := l.mustExec(ctr, ipArgs(v6, "route", "show")...)
		if strings.Contains(out, "default") {
			l.mustExec(ctr, ipArgs(v6, "route", "del", "default")...)
		}
	}
}

func (l *lab) mustExec(ctr string, cmd ...string) string {
	l.tb.Helper()
	out, err := l.cli.exec(l.ctx, ctr, cmd...)
	if err != nil {
		l.tb.Fatal(err)
	}
	return out
}

// ping sends real packets from one node's pod address to another's.
func (l *lab) ping(from, to testNode, v6 bool) error {
	src, dst := from.ip4(), to.ip4()
	if v6 {
		src, dst = from.ip6(), to.ip6()
	}
	family := "-4"
	if v6 {
		family = "-6"
	}
	_, err := l.cli.exec(l.ctx, from.container, "ping", family, "-c1", "-W2", "-I", src, dst)
	return err
}

// pingEventually allows for neighbour discovery on a fresh link.
func (l *lab) pingEventually(from, to testNode, v6 bool) error {
	var err error
	for range 3 {
		if err = l.ping(from, to, v6); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

// leftovers lists the containers and networks labelled with this test's id.
func (l *lab) leftovers() []string {
	l.tb.Helper()
	args := filters.NewArgs(filters.Arg("label", testLabel+"="+l.id))
	var left []string
	ctrs, err := l.cli.api.ContainerList(l.ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		l.tb.Fatal(err)
	}
	for _, c := range ctrs {
		left = append(left, "container "+strings.Join(c.Names, ","))
	}
	nets, err := l.cli.api.NetworkList(l.ctx, network.ListOptions{Filters: args})
	if err != nil {
		l.tb.Fatal(err)
	}
	for _, n := range nets {
		left = append(left, "network "+n.Name)
	}
	return left
}

func randomHex(tb testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func randomInt(tb testing.TB, n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		tb.Fatal(err)
	}
	return int(v.Int64())
}
