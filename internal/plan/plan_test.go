package plan

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func step(id string, needs []string, do func(context.Context, Logger) (Result, error)) *Step {
	return &Step{ID: id, Title: "do " + id, Needs: needs, Script: "echo " + id, Do: do}
}

func ok(context.Context, Logger) (Result, error) { return Changed("done"), nil }

func TestOrderKeepsAdditionOrderWithinDependencies(t *testing.T) {
	p := New()
	p.Add(step("b", []string{"a"}, ok), step("a", nil, ok), step("c", nil, ok), step("d", []string{"b", "c"}, ok))
	order, err := p.Order()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range order {
		ids = append(ids, s.ID)
	}
	if got, want := strings.Join(ids, ","), "a,b,c,d"; got != want {
		t.Errorf("order = %s, want %s", got, want)
	}
}

func TestCheckFindsUnknownNeedsAndCycles(t *testing.T) {
	tests := []struct {
		name  string
		steps []*Step
		want  string
	}{
		{"unknown", []*Step{step("a", []string{"zz"}, ok)}, `step "a" needs unknown step "zz"`},
		{"cycle", []*Step{step("a", []string{"b"}, ok), step("b", []string{"a"}, ok)}, "dependency cycle among a, b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New()
			p.Add(tt.steps...)
			err := p.Check()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check() = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestDryRunPrintsScriptsAndRunsNothing(t *testing.T) {
	var ran atomic.Int32
	touch := func(context.Context, Logger) (Result, error) { ran.Add(1); return Changed(""), nil }
	p := New()
	p.Add(&Step{ID: "net", Title: "Ensure network", Script: "docker network create kind", Do: touch})
	p.Add(&Step{ID: "c", Cluster: "smiley", Title: "Create cluster", Needs: []string{"net"}, Script: "kind create cluster\n", Do: touch})
	var out, errOut bytes.Buffer
	e := &Executor{Stdout: &out, Stderr: &errOut, DryRun: true}
	if _, err := e.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	want := "\n# Ensure network\ndocker network create kind\n\n# [smiley] Create cluster\nkind create cluster\n"
	if out.String() != want {
		t.Errorf("transcript:\n%q\nwant\n%q", out.String(), want)
	}
	if ran.Load() != 0 || errOut.Len() != 0 {
		t.Errorf("dry-run ran %d steps and wrote %q to stderr", ran.Load(), errOut.String())
	}
}

func TestFailureSkipsDependentsButNotOthers(t *testing.T) {
	boom := errors.New("no image kindest/node")
	var mu sync.Mutex
	var ran []string
	rec := func(id string, err error) func(context.Context, Logger) (Result, error) {
		return func(context.Context, Logger) (Result, error) {
			mu.Lock()
			ran = append(ran, id)
			mu.Unlock()
			return Changed(""), err
		}
	}
	p := New()
	p.Add(step("create/a", nil, rec("create/a", boom)), step("create/b", nil, rec("create/b", nil)),
		step("route/a", []string{"create/a"}, rec("route/a", nil)), step("lb/a", []string{"route/a"}, rec("lb/a", nil)),
		step("route/b", []string{"create/b"}, rec("route/b", nil)))
	var errOut bytes.Buffer
	sum, err := (&Executor{Stderr: &errOut}).Run(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "1 of 5 steps failed, 2 skipped") || !strings.Contains(err.Error(), "no image kindest/node") {
		t.Fatalf("err = %v", err)
	}
	if !IsStepsError(err) {
		t.Errorf("err is not a StepsError")
	}
	changed, unchanged, failed, skipped := sum.Counts()
	if changed != 2 || unchanged != 0 || failed != 1 || skipped != 2 {
		t.Errorf("counts = %d %d %d %d", changed, unchanged, failed, skipped)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ran {
		if id == "route/a" || id == "lb/a" {
			t.Errorf("%s ran although create/a failed", id)
		}
	}
	if !strings.Contains(errOut.String(), `- do lb/a: skipped, route/a did not succeed`) {
		t.Errorf("progress does not explain the skip:\n%s", errOut.String())
	}
}

func TestIndependentStepsRunInParallel(t *testing.T) {
	const n = 4
	var inFlight, peak atomic.Int32
	wait := func(context.Context, Logger) (Result, error) {
		cur := inFlight.Add(1)
		for {
			old := peak.Load()
			if cur <= old || peak.CompareAndSwap(old, cur) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
		inFlight.Add(-1)
		return Unchanged("already there"), nil
	}
	p := New()
	for i := 0; i < n; i++ {
		p.Add(step(string(rune('a'+i)), nil, wait))
	}
	sum, err := (&Executor{Parallel: 2}).Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got := peak.Load(); got != 2 {
		t.Errorf("peak parallelism = %d, want the limit 2", got)
	}
	if _, unchanged, _, _ := sum.Counts(); unchanged != n {
		t.Errorf("unchanged = %d, want %d", unchanged, n)
	}
}

func TestInterruptStopsStartingSteps(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	first := func(context.Context, Logger) (Result, error) { cancel(); return Changed(""), nil }
	var later atomic.Bool
	p := New()
	p.Add(step("a", nil, first), step("b", []string{"a"}, func(context.Context, Logger) (Result, error) {
		later.Store(true)
		return Changed(""), nil
	}))
	var errOut bytes.Buffer
	_, err := (&Executor{Stderr: &errOut}).Run(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("err = %v", err)
	}
	if later.Load() {
		t.Error("a step started after the interrupt")
	}
}

func TestPanickingStepFailsAlone(t *testing.T) {
	p := New()
	p.Add(step("a", nil, func(context.Context, Logger) (Result, error) { panic("bad") }), step("b", nil, ok))
	sum, err := (&Executor{}).Run(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "internal error: bad") {
		t.Fatalf("err = %v", err)
	}
	if changed, _, failed, _ := sum.Counts(); changed != 1 || failed != 1 {
		t.Errorf("changed=%d failed=%d", changed, failed)
	}
}
