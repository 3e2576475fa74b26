package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/localcluster/localcluster/internal/health"
	"github.com/localcluster/localcluster/internal/mesh"
)

// TestStatusFlow builds the stand-in lab of TestLabFlow (three kind
// clusters in one group, real kube-apiservers in stand-in nodes, gamma
// linked to alpha through alpha's gateway, the rest pod-to-pod), checks
// that status finds it healthy, then injects one fault at a time and
// checks that status names exactly that fault and its fix and exits 1,
// and that it is healthy again once the fault is repaired, with the named
// fix where it is a localcluster command.
//
// Stand-ins besides TestLabFlow's (see status_standin_test.go): the
// service-mirror controllers' Deployments and their status, the leader's
// pod, its lease and its metrics (served by busybox httpd inside the
// source's node, read through the real API server's pod proxy), and the
// Endpoints the service mirror writes. No controller-manager runs, so the
// test sets the status subresources a controller would.
func TestStatusFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Docker engine and three kube-apiservers; skipped with -short")
	}
	f := newFlow(t)
	for _, n := range f.nodes {
		n.pki = newLabNodePKI(t, n)
		n.writeFiles(t)
		f.startNode(t, n)
	}
	for _, n := range f.nodes {
		f.waitReady(t, n)
		f.preparePods(t, n)
	}
	f.dockerShim(t, f.nodes[0])
	lb := f.serveLoadBalancers(t)
	defer lb.stop()
	mustSucceed(t, f.run(t, "create"))
	mustSucceed(t, f.run(t, "linkerd"))
	tokens := f.fillTokens(t, 0)
	r := f.run(t, "group")
	for _, err := range tokens.stop() {
		t.Fatal(err)
	}
	mustSucceed(t, r)
	mustSucceed(t, f.run(t, "link"))
	f.standInMirrors(t)

	f.wantHealthy(t)
	alpha, beta, gamma := f.node("alpha"), f.node("beta"), f.node("gamma")
	t.Run("logs", f.testLogs)
	for _, fc := range f.faults(alpha, beta, gamma) {
		ok := t.Run(fc.name, func(t *testing.T) {
			fc.inject(t)
			time.Sleep(fc.settle)
			rep, res := f.status(t)
			if res.code != 1 {
				t.Errorf("status exit %d with %s, want 1", res.code, fc.name)
			}
			fails, unknowns := outcomes(rep)
			slices.Sort(fc.fails)
			slices.Sort(fc.unknowns)
			if !slices.Equal(fails, fc.fails) {
				t.Errorf("failing checks %v, want exactly %v", fails, fc.fails)
			}
			if !slices.Equal(unknowns, fc.unknowns) {
				t.Errorf("unknown checks %v, want %v", unknowns, fc.unknowns)
			}
			for _, id := range fc.fails {
				if fix := fixOf(rep, id); !strings.Contains(fix, fc.fix) || !strings.Contains(fix, f.labDir) && !strings.HasPrefix(fix, "kubectl") {
					t.Errorf("%s: fix %q, want one with %q and the lab's directory", id, fix, fc.fix)
				}
				if msg := messageOf(rep, id); !strings.Contains(msg, fc.says) {
					t.Errorf("%s says %q, want it to mention %q", id, msg, fc.says)
				}
			}
			table := f.run(t, "status")
			if !strings.Contains(table.stdout, "fix: ") || !strings.Contains(table.stdout, fc.fix) {
				t.Errorf("the table names no fix %q:\n%s", fc.fix, table.stdout)
			}
			fc.repair(t)
			f.wantHealthy(t)
		})
		if !ok {
			break
		}
	}
	t.Run("wait returns once repaired", func(t *testing.T) { f.testStatusWait(t, alpha, beta) })
}

// statusFault is one fault, what status must say about it, and its repair.
type statusFault struct {
	name      string
	inject    func(t *testing.T)
	fails     []string // the only failing checks, as Report.Problems names them
	unknowns  []string // the checks that cannot run because of it
	says, fix string   // in the failing checks' message and fix
	repair    func(t *testing.T)
	// settle is how long the fault takes to show: the API server caches
	// a token's successful authentication for 10 seconds.
	settle time.Duration
}

func (f *labFlow) faults(alpha, beta, gamma *labNode) []statusFault {
	link := func(src, dst *labNode, check string) string { return src.name + "->" + dst.name + "/" + check }
	var saved = map[string][]byte{}
	return []statusFault{{
		name:   "route deleted",
		inject: func(t *testing.T) { f.exec(t, alpha, "ip", "route", "del", beta.podCIDR().String()) },
		fails:  []string{alpha.name + "/routes"}, says: "no route to " + beta.podCIDR().String(), fix: "localcluster route ",
		repair: func(t *testing.T) { mustSucceed(t, f.run(t, "route")) },
	}, {
		name:   "context server changed",
		inject: func(t *testing.T) { f.setContextServer(t, beta, "https://"+f.spareNetAddr(15)+":6443") },
		fails:  []string{beta.name + "/context"}, says: "points at https://" + f.spareNetAddr(15), fix: "localcluster create ",
		repair: func(t *testing.T) { mustSucceed(t, f.run(t, "create")) },
	}, {
		name:   "expired issuer",
		inject: func(t *testing.T) { f.writeExpiredIssuer(t, beta) },
		fails:  []string{beta.name + "/issuer"}, says: "expired", fix: "certs --force",
		repair: func(t *testing.T) {
			mustSucceed(t, f.run(t, "certs", "--force", beta.name))
			mustSucceed(t, f.run(t, "linkerd", beta.name))
		},
	}, {
		name: "a cluster with a different trust anchor",
		inject: func(t *testing.T) {
			saved["roots"] = f.setTrustRoots(t, beta, otherAnchorPEM(t))
		},
		fails: []string{beta.name + "/trust-anchor"}, says: "not the lab's anchor", fix: "localcluster linkerd ",
		repair: func(t *testing.T) { f.setTrustRoots(t, beta, saved["roots"]) },
	}, {
		name: "credentials Secret deleted",
		inject: func(t *testing.T) {
			err := f.kube(t, gamma).cs.CoreV1().Secrets(mesh.MulticlusterNamespace).Delete(t.Context(), mesh.CredentialsSecretName(alpha.name), metav1.DeleteOptions{})
			if err != nil {
				t.Fatal(err)
			}
		},
		fails: []string{link(gamma, alpha, "credentials")}, says: "no Secret", fix: "link --src " + gamma.name + " --dst " + alpha.name,
		repair: func(t *testing.T) { mustSucceed(t, f.run(t, "link")) },
	}, {
		name:   "token revoked",
		inject: func(t *testing.T) { f.revokeRemoteAccess(t, alpha) },
		settle: 11 * time.Second,
		fails:  []string{link(beta, alpha, "credentials"), link(gamma, alpha, "credentials")}, says: "401 Unauthorized", fix: "localcluster ",
		repair: func(t *testing.T) {
			if err := fillToken(t.Context(), newLabKube(t, alpha.name, alpha.adminREST()), alpha.pki.ca.certPEM); err != nil {
				t.Fatal(err)
			}
			mustSucceed(t, f.run(t, "group"))
		},
	}, {
		name:     "controller scaled to zero",
		inject:   func(t *testing.T) { f.scaleController(t, gamma, alpha, 0) },
		fails:    []string{link(gamma, alpha, "controller")},
		unknowns: []string{link(gamma, alpha, "gateway")}, says: "scaled to 0", fix: "--replicas=1",
		repair: func(t *testing.T) { f.scaleController(t, gamma, alpha, 1) },
	}, {
		name:   "gateway probe failing",
		inject: func(t *testing.T) { f.serveGatewayAlive(t, gamma, alpha, 0) },
		fails:  []string{link(gamma, alpha, "gateway")}, says: "does not answer its probe on port 4191", fix: "link --src " + gamma.name,
		repair: func(t *testing.T) { f.serveGatewayAlive(t, gamma, alpha, 1) },
	}, {
		name:   "mirror without endpoints",
		inject: func(t *testing.T) { f.setMirrorEndpoints(t, gamma, alpha, false) },
		fails:  []string{link(gamma, alpha, "mirrors")}, says: "without endpoints: default/web-" + alpha.name, fix: "link --src " + gamma.name,
		repair: func(t *testing.T) { f.setMirrorEndpoints(t, gamma, alpha, true) },
	}, {
		name:   "node stopped",
		inject: func(t *testing.T) { f.docker(t, "stop", "-t", "1", beta.container()) },
		fails:  []string{beta.name + "/node"},
		unknowns: append(checksOf(beta.name, "context", "api", "routes", "loadbalancer", "trust-anchor", "linkerd", "orphaned-mirrors"),
			link(beta, alpha, "link"), link(beta, alpha, "credentials"), link(beta, alpha, "controller"), link(beta, alpha, "gateway"), link(beta, alpha, "mirrors"),
			link(beta, gamma, "link"), link(beta, gamma, "credentials"), link(beta, gamma, "controller"), link(beta, gamma, "gateway"), link(beta, gamma, "mirrors"),
			link(alpha, beta, "credentials"), link(gamma, beta, "credentials")),
		says: "is exited", fix: "localcluster start ",
		repair: func(t *testing.T) {
			f.docker(t, "start", beta.container())
			f.waitReady(t, beta)
			f.preparePods(t, beta)
			mustSucceed(t, f.run(t, "route"))
		},
	}}
}

func checksOf(cluster string, checks ...string) []string {
	var out []string
	for _, c := range checks {
		out = append(out, cluster+"/"+c)
	}
	return out
}

// testStatusWait: with a route missing, status --wait keeps checking and
// returns 0 once route repairs it.
func (f *labFlow) testStatusWait(t *testing.T, alpha, beta *labNode) {
	f.exec(t, alpha, "ip", "route", "del", beta.podCIDR().String())
	done := make(chan runResult, 1)
	go func() { done <- f.runQuiet("status", "--wait", "3m") }()
	time.Sleep(3 * time.Second)
	mustSucceed(t, f.run(t, "route"))
	select {
	case r := <-done:
		if r.code != 0 {
			t.Errorf("status --wait exit %d after the repair, want 0\n%s", r.code, r.output())
		}
		if !strings.Contains(r.stderr, "waiting") || !strings.Contains(r.stderr, alpha.name+"/routes") {
			t.Errorf("status --wait did not report waiting for %s/routes:\n%s", alpha.name, r.stderr)
		}
		if !strings.Contains(r.stdout, "Healthy:") {
			t.Errorf("status --wait printed no healthy verdict:\n%s", r.stdout)
		}
	case <-time.After(4 * time.Minute):
		t.Fatal("status --wait did not return")
	}
}

// status runs status -o json and decodes the report.
func (f *labFlow) status(t *testing.T) (*health.Report, runResult) {
	t.Helper()
	r := f.run(t, "status", "-o", "json")
	var rep health.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, r.output())
	}
	return &rep, r
}

func (f *labFlow) wantHealthy(t *testing.T) {
	t.Helper()
	rep, r := f.status(t)
	if r.code != 0 || !rep.Healthy {
		t.Fatalf("status exit %d, healthy %v, want 0 and healthy; problems %v\n%s", r.code, rep.Healthy, rep.Problems(), r.stdout)
	}
	if strings.Contains(r.stderr, "Warning") {
		t.Errorf("status passed API warnings on:\n%s", r.stderr)
	}
	if len(rep.Clusters) != 3 || len(rep.Links) != 6 {
		t.Errorf("report has %d clusters and %d links, want 3 and 6", len(rep.Clusters), len(rep.Links))
	}
	for _, l := range rep.Links {
		gw := checkOf(l.Checks, health.CheckGateway)
		if (l.Mode == health.ModeGateway) != (gw.Status == health.OK) {
			t.Errorf("%s -> %s (%s): gateway check %s %q", l.Source, l.Target, l.Mode, gw.Status, gw.Message)
		}
	}
}

func outcomes(rep *health.Report) (fails, unknowns []string) {
	add := func(id string, s health.Status) {
		switch s {
		case health.Fail:
			fails = append(fails, id)
		case health.Unknown:
			unknowns = append(unknowns, id)
		}
	}
	for _, c := range rep.Clusters {
		for _, ch := range c.Checks {
			add(c.Name+"/"+ch.Name, ch.Status)
		}
	}
	for _, l := range rep.Links {
		for _, ch := range l.Checks {
			add(l.Source+"->"+l.Target+"/"+ch.Name, ch.Status)
		}
	}
	slices.Sort(fails)
	slices.Sort(unknowns)
	return fails, unknowns
}

func findCheck(rep *health.Report, id string) health.Check {
	for _, c := range rep.Clusters {
		for _, ch := range c.Checks {
			if c.Name+"/"+ch.Name == id {
				return ch
			}
		}
	}
	for _, l := range rep.Links {
		for _, ch := range l.Checks {
			if l.Source+"->"+l.Target+"/"+ch.Name == id {
				return ch
			}
		}
	}
	return health.Check{}
}

func fixOf(rep *health.Report, id string) string     { return findCheck(rep, id).Fix }
func messageOf(rep *health.Report, id string) string { return findCheck(rep, id).Message }

func checkOf(checks []health.Check, name string) health.Check {
	for _, c := range checks {
		if c.Name == name {
			return c
		}
	}
	return health.Check{}
}

// spareNetAddr is an address of the lab network that no container has.
func (f *labFlow) spareNetAddr(last byte) string {
	a := f.net.IPv4Subnet.Addr().As4()
	return fmt.Sprintf("%d.%d.%d.%d", a[0], a[1], a[2], last)
}

// setContextServer points n's context at server, as an old address left
// after a Docker restart would.
func (f *labFlow) setContextServer(t *testing.T, n *labNode, server string) {
	t.Helper()
	cfg := loadKubeconfigFile(t, f.kubeconfig)
	ctx := cfg.Contexts[n.name]
	if ctx == nil || cfg.Clusters[ctx.Cluster] == nil {
		t.Fatalf("no context %s", n.name)
	}
	cfg.Clusters[ctx.Cluster].Server = server
	if err := clientcmd.WriteToFile(*cfg, f.kubeconfig); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// testLogs: the bundle of the healthy lab holds every node's inspect and
// logs, each cluster's Events, Links and Helm history, with the issuer's
// key redacted and no private key anywhere.
func (f *labFlow) testLogs(t *testing.T) {
	path := filepath.Join(f.work, "bundle.tar.gz")
	mustSucceed(t, f.run(t, "logs", "-o", path))
	files := readBundle(t, path)
	for _, n := range f.nodes {
		dir := "clusters/" + n.name + "/"
		for _, want := range []string{dir + "node/" + n.container() + "/inspect.json", dir + "node/" + n.container() + "/logs.txt",
			dir + "events.yaml", dir + "links.yaml", dir + "mirrored-services.yaml", dir + "helm/linkerd/linkerd-control-plane.yaml"} {
			if _, ok := files[want]; !ok {
				t.Errorf("the bundle lacks %s", want)
			}
		}
		if cp := files[dir+"helm/linkerd/linkerd-control-plane.yaml"]; !strings.Contains(cp, "keyPEM: <redacted>") || !strings.Contains(cp, "status: deployed") {
			t.Errorf("%s's control-plane history shows no deployed revision with its issuer key redacted:\n%s", n.name, cp)
		}
		if links := files[dir+"links.yaml"]; !strings.Contains(links, "targetClusterName") {
			t.Errorf("%s's links.yaml holds no Link:\n%s", n.name, links)
		}
	}
	if !strings.Contains(files["status.json"], `"healthy": true`) {
		t.Errorf("the bundle's status.json is not the healthy report")
	}
	wantNoSecrets(t, files)
}
