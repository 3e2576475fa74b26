package workflow

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/provider/backends"
)

// testProviders are the real providers; building steps with them touches
// nothing.
var testProviders = backends.New(backends.Options{}).For

// workshopEnv is the seven-cluster example lab, planned as the commands
// plan it.
func workshopEnv(t testing.TB) *Env {
	t.Helper()
	lab, err := definition.Load([]string{filepath.Join("..", "..", "clusters", "workshop")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := addrplan.Compute(lab, addrplan.NetworkFrom(lab.Settings.Network))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return &Env{
		Lab: lab, Plan: p, Kubeconfig: filepath.Join(dir, "kubeconfig"), TrustDir: filepath.Join(dir, "certs"),
		Charts: ChartsFrom(lab.Settings), Providers: testProviders,
	}
}

func upPlan(t testing.TB, e *Env) *plan.Plan {
	t.Helper()
	p := plan.New()
	AddUp(p, e, e.Lab.Clusters)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	return p
}

// closure returns every step s waits for, directly or not.
func closure(p *plan.Plan, id string) map[string]*plan.Step {
	byID := map[string]*plan.Step{}
	for _, s := range p.Steps() {
		byID[s.ID] = s
	}
	out := map[string]*plan.Step{}
	var walk func(string)
	walk = func(id string) {
		for _, n := range byID[id].Needs {
			if _, seen := out[n]; !seen {
				out[n] = byID[n]
				walk(n)
			}
		}
	}
	walk(id)
	return out
}

func TestUpChainsOfOneClusterWaitForNoOtherCluster(t *testing.T) {
	e := workshopEnv(t)
	p := upPlan(t, e)
	for _, c := range e.Plan.Clusters {
		for _, kind := range []string{LinkerdStep, MulticlusterStep} {
			id := stepID(kind, c.Name)
			if !p.Has(id) {
				t.Fatalf("up has no step %s", id)
			}
			for need, s := range closure(p, id) {
				if s.Cluster != "" && s.Cluster != c.Name {
					t.Errorf("%s waits for %s, a step of cluster %s", id, need, s.Cluster)
				}
			}
		}
		want := []string{CertsStepID, stepID(CreateStep, c.Name), stepID(KubeconfigStep, c.Name)}
		if c.Def.Provider == "kind" {
			want = append(want, stepID(LBStep, c.Name))
		}
		got := closure(p, stepID(LinkerdStep, c.Name))
		for _, w := range want {
			if _, ok := got[w]; !ok {
				t.Errorf("%s does not wait for %s", stepID(LinkerdStep, c.Name), w)
			}
		}
		if _, ok := got[routesID(c.Def.Group)]; ok {
			t.Errorf("the control plane of %s waits for its group's routes", c.Name)
		}
	}
}

func TestUpLinksWaitForBothEnds(t *testing.T) {
	e := workshopEnv(t)
	p := upPlan(t, e)
	links := 0
	for _, s := range p.Steps() {
		if !strings.HasPrefix(s.ID, "link/") {
			continue
		}
		links++
		parts := strings.Split(s.ID, "/")
		src, dst := parts[1], parts[2]
		needs := closure(p, s.ID)
		for _, end := range []string{src, dst} {
			if _, ok := needs[stepID(MulticlusterStep, end)]; !ok {
				t.Errorf("%s does not wait for the multicluster extension of %s", s.ID, end)
			}
		}
		if e.Plan.Cluster(src).Def.Group != e.Plan.Cluster(dst).Def.Group || slices.Contains(e.Plan.Cluster(src).Def.GatewayLinks, dst) {
			if !slices.Contains(s.Needs, "gateway/"+dst) {
				t.Errorf("gateway link %s does not wait for the gateway of %s", s.ID, dst)
			}
		}
		ctl := closure(p, "controllers/"+src)
		if _, ok := ctl[s.ID]; !ok {
			t.Errorf("controllers/%s do not wait for %s", src, s.ID)
		}
	}
	// face: 4 members, 12 links; dr: 2 members, 2 links; cdn: 2 gateway links.
	if links != 16 {
		t.Errorf("up makes %d links, want 16", links)
	}
}

func TestRoutesWaitForTheGroupsMembers(t *testing.T) {
	e := workshopEnv(t)
	for name, p := range map[string]*plan.Plan{"up": upPlan(t, e), "create": func() *plan.Plan {
		p := plan.New()
		AddCreate(p, e, e.Lab.Clusters)
		return p
	}()} {
		for _, g := range []string{"face", "dr"} {
			var want []string
			for _, m := range e.Plan.Group(g) {
				want = append(want, stepID(KubeconfigStep, m.Name))
			}
			var got []string
			for _, s := range p.Steps() {
				if s.ID == routesID(g) {
					got = s.Needs
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: routes/%s needs %v, want %v", name, g, got, want)
			}
		}
	}
}

func TestLinkerdCommandOrder(t *testing.T) {
	e := workshopEnv(t)
	p := plan.New()
	AddLinkerd(p, e, e.Lab.Clusters, NoNeeds)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Plan.Clusters {
		lk := closure(p, stepID(LinkerdStep, c.Name))
		if len(lk) != 1 || lk[CertsStepID] == nil {
			t.Errorf("linkerd/%s waits for %v, want only the certificates", c.Name, keys(lk))
		}
		if mc := closure(p, stepID(MulticlusterStep, c.Name)); mc[stepID(LinkerdStep, c.Name)] == nil {
			t.Errorf("multicluster/%s does not wait for its control plane", c.Name)
		}
	}
}

func TestDeleteRemovesRoutesBeforeTheCluster(t *testing.T) {
	e := workshopEnv(t)
	p := plan.New()
	faces := e.Lab.Clusters[slices.IndexFunc(e.Lab.Clusters, func(c *definition.Cluster) bool { return c.Name == "faces" })]
	AddDown(p, e, []*definition.Cluster{faces}, DownOptions{})
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	del := closure(p, "delete/faces")
	if del["unroute/faces"] == nil {
		t.Error("delete/faces does not wait for the removal of the routes toward it")
	}
	if net := closure(p, "network-remove"); net["delete/faces"] == nil || net["forget/faces"] == nil {
		t.Errorf("the network is removed before the cluster: %v", keys(net))
	}
	if !p.Has("unlink-peers/cdn") || !p.Has("unlink-peers/smiley") {
		t.Error("the clusters linked to faces do not lose their links")
	}
}

func TestStartRepairsAfterTheNodesRun(t *testing.T) {
	e := workshopEnv(t)
	p := plan.New()
	AddStart(p, e, e.Lab.Clusters)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Plan.Clusters {
		if got := closure(p, stepID(KubeconfigStep, c.Name)); got[stepID(StartStep, c.Name)] == nil || len(got) != 1 {
			t.Errorf("kubeconfig/%s waits for %v, want only its start", c.Name, keys(got))
		}
	}
	if got := closure(p, "link/cdn/faces"); got["kubeconfig/cdn"] == nil || got["kubeconfig/faces"] == nil {
		t.Errorf("the link repair waits for %v, want both contexts", keys(got))
	}
	if p.Has("gateway/faces") || p.Has("controllers/cdn") {
		t.Error("start changes releases; it should only repair")
	}
}

// TestUpFailureSkipsOnlyWhatNeedsIt runs the up graph with every step
// replaced by a stub, faces' creation failing: only the steps that need it
// are skipped; the rest of the lab comes up.
func TestUpFailureSkipsOnlyWhatNeedsIt(t *testing.T) {
	e := workshopEnv(t)
	p := upPlan(t, e)
	for _, s := range p.Steps() {
		if s.ID == "create/faces" {
			s.Do = func(context.Context, plan.Logger) (plan.Result, error) { return plan.Result{}, errors.New("boom") }
			continue
		}
		s.Do = func(context.Context, plan.Logger) (plan.Result, error) { return plan.Changed("stub"), nil }
	}
	dependents := map[string]bool{}
	for _, s := range p.Steps() {
		if closure(p, s.ID)["create/faces"] != nil {
			dependents[s.ID] = true
		}
	}
	sum, err := (&plan.Executor{Stderr: &strings.Builder{}}).Run(context.Background(), p)
	if err == nil {
		t.Fatal("the run did not fail")
	}
	for _, o := range sum.Outcomes {
		switch {
		case o.Step.ID == "create/faces":
			if o.Err == nil {
				t.Error("create/faces did not fail")
			}
		case dependents[o.Step.ID] != o.Skipped:
			t.Errorf("%s: skipped=%v, but needs create/faces=%v", o.Step.ID, o.Skipped, dependents[o.Step.ID])
		}
	}
	for _, id := range []string{"multicluster/cdn", "multicluster/smiley", "link/smiley/color", "link/faces-dr/smiley-dr"} {
		if dependents[id] {
			t.Errorf("%s should not depend on faces", id)
		}
	}
}

func keys(m map[string]*plan.Step) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
