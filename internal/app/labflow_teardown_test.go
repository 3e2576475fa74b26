package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/localcluster/localcluster/internal/mesh"
)

// testRoute: beta's node comes back at another address (as after a Docker
// restart); route repairs every route that involves it, and create and
// group then repair beta's context and the credentials its peers hold.
func (f *labFlow) testRoute(t *testing.T) {
	beta := f.node("beta")
	f.docker(t, "network", "disconnect", f.net.Name, beta.container())
	f.docker(t, "network", "connect", "--ip", beta.spareAddr.String(), f.net.Name, beta.container())
	beta.addr = beta.spareAddr
	f.preparePods(t, beta)
	// alpha still routes beta's pods via beta's old address.
	if err := f.pingOnce(f.node("alpha"), beta); err == nil {
		t.Fatalf("alpha reaches beta's pods before route ran: the test does not test anything")
	}

	r := f.run(t, "route")
	mustSucceed(t, r)
	wantStep(t, r, "Route pod ranges", "routes added or repaired")
	for _, n := range f.nodes {
		routes := f.exec(t, n, "ip", "route", "show")
		for _, other := range f.nodes {
			if other == n {
				continue
			}
			if want := fmt.Sprintf("%s via %s", other.podCIDR(), other.addr); !strings.Contains(routes, want) {
				t.Errorf("node %s lacks route %q:\n%s", n.short, want, routes)
			}
		}
	}
	f.pingAll(t, f.nodes)
	wantUnchanged(t, f.run(t, "route"))

	// The context and the peers' credentials still name beta's old
	// address; create and group bring them up to date.
	r = f.run(t, "create")
	mustSucceed(t, r)
	wantStep(t, r, "["+beta.name+"] Add context", "server "+beta.server())
	cfg := loadKubeconfigFile(t, f.kubeconfig)
	if c := cfg.Clusters[beta.name]; c == nil || c.Server != beta.server() {
		t.Errorf("beta's context after create: %+v, want server %s", c, beta.server())
	}
	mustSucceed(t, f.run(t, "group"))
	for _, src := range []*labNode{f.node("alpha"), f.node("gamma")} {
		k := f.kube(t, src)
		f.checkLink(t, k, k.links(t), beta, false)
	}
}

// testDeleteOne: beta goes, with the routes and links its peers held
// toward it and its context; the rest stays.
func (f *labFlow) testDeleteOne(t *testing.T) {
	userBefore := loadKubeconfigFile(t, f.kubeconfig)
	beta := f.node("beta")
	r := f.run(t, "delete", beta.name)
	mustSucceed(t, r)

	if out := f.docker(t, "ps", "-aq", "--filter", "label="+kindClusterLabel+"="+beta.name); strings.TrimSpace(out) != "" {
		t.Errorf("beta's node container remains: %s", out)
	}
	stay := []*labNode{f.node("alpha"), f.node("gamma")}
	for _, n := range stay {
		if routes := f.exec(t, n, "ip", "route", "show"); strings.Contains(routes, beta.podCIDR().String()) {
			t.Errorf("node %s still routes beta's pods:\n%s", n.short, routes)
		}
		k := f.kube(t, n)
		if _, ok := k.links(t)[beta.name]; ok {
			t.Errorf("%s still holds a Link to beta", n.short)
		}
		if _, ok := k.controllers(t)[beta.name]; ok {
			t.Errorf("%s still runs a service mirror for beta", n.short)
		}
		for _, ns := range []string{mesh.MulticlusterNamespace, mesh.LinkerdNamespace} {
			if _, err := k.cs.CoreV1().Secrets(ns).Get(t.Context(), mesh.CredentialsSecretName(beta.name), metav1.GetOptions{}); err == nil {
				t.Errorf("%s still holds beta's credentials in %s", n.short, ns)
			}
		}
	}
	f.pingAll(t, stay)

	cfg := loadKubeconfigFile(t, f.kubeconfig)
	if cfg.Contexts[beta.name] != nil || cfg.Clusters[beta.name] != nil || cfg.AuthInfos[beta.name] != nil {
		t.Errorf("beta's context, cluster or user remains in the kubeconfig")
	}
	for _, n := range stay {
		if cfg.Contexts[n.name] == nil {
			t.Errorf("context %s is gone", n.name)
		}
	}
	wantUserEntries(t, userBefore, cfg)
}

// testDeleteAll: the rest goes too; the user's own entries stay, and so
// does the network (other labs may use it).
func (f *labFlow) testDeleteAll(t *testing.T) {
	userBefore := loadKubeconfigFile(t, f.kubeconfig)
	otherBefore := mustReadFile(t, f.otherKube)
	r := f.run(t, "delete")
	mustSucceed(t, r)
	wantStep(t, r, "["+f.node("beta").name+"] Delete kind cluster", "does not exist")

	if out := f.docker(t, "ps", "-aq", "--filter", "label="+flowTestLabel+"="+f.id); strings.TrimSpace(out) != "" {
		t.Errorf("node containers remain: %s", out)
	}
	cfg := loadKubeconfigFile(t, f.kubeconfig)
	for _, n := range f.nodes {
		if cfg.Contexts[n.name] != nil || cfg.Clusters[n.name] != nil || cfg.AuthInfos[n.name] != nil {
			t.Errorf("%s's context, cluster or user remains in the kubeconfig", n.name)
		}
	}
	wantUserEntries(t, userBefore, cfg)
	if len(cfg.Contexts) != 1 || len(cfg.Clusters) != 1 || len(cfg.AuthInfos) != 1 {
		t.Errorf("the kubeconfig holds more than the user's own entries: %v %v %v", sortedKeys(cfg.Contexts), sortedKeys(cfg.Clusters), sortedKeys(cfg.AuthInfos))
	}
	if !bytes.Equal(mustReadFile(t, f.otherKube), otherBefore) {
		t.Errorf("the second KUBECONFIG file %s changed", f.otherKube)
	}
	// No lock or temporary file left beside the kubeconfig.
	if entries, err := os.ReadDir(filepath.Dir(f.kubeconfig)); err != nil || len(entries) != 2 {
		t.Errorf("the kubeconfig's directory holds %v (%v), want only the two files", entries, err)
	}
	if out := f.docker(t, "network", "ls", "-q", "--filter", "name=^"+f.net.Name+"$"); strings.TrimSpace(out) == "" {
		t.Errorf("delete removed the network %s; it is documented to stay", f.net.Name)
	}
	// With KUBECONFIG and --trust-dir given and local charts, the whole
	// lab's life wrote nothing under HOME.
	if entries, err := os.ReadDir(f.home); err != nil || len(entries) > 0 {
		t.Errorf("HOME %s: %v %v, want it empty", f.home, entries, err)
	}
}
