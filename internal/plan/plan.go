// Package plan holds the steps a command will take and the executor that
// either runs them, in parallel where they do not depend on each other, or
// prints them as commands a person could run by hand.
//
// Dry-run is a mode of the executor: a step's Script is built without
// touching anything, and its Do func is never called in dry-run.
package plan

import (
	"context"
	"fmt"
	"strings"
)

// Step is one unit of work.
type Step struct {
	ID      string   // unique in the plan, e.g. "create/smiley"
	Cluster string   // the cluster it acts on, "" for lab-wide steps
	Title   string   // what it does, for people: "Create kind cluster"
	Needs   []string // IDs of steps that must succeed first
	// Script is the by-hand equivalent, one or more shell lines, with
	// secrets redacted. It is printed in dry-run.
	Script string
	// Do performs the step. It must be idempotent: run twice, the second
	// run changes nothing and says so through Result.
	Do func(ctx context.Context, log Logger) (Result, error)
}

// Result is what a step did.
type Result struct {
	Changed bool
	Note    string // e.g. "already exists", "3 routes replaced"
}

// Changed is the Result of a step that did something.
func Changed(note string) Result { return Result{Changed: true, Note: note} }

// Unchanged is the Result of a step that found nothing to do.
func Unchanged(note string) Result { return Result{Note: note} }

// Logger lets a running step report progress.
type Logger interface {
	Logf(format string, args ...any)
}

// Plan is an ordered set of steps.
type Plan struct {
	steps []*Step
	byID  map[string]*Step
}

// New returns an empty plan.
func New() *Plan { return &Plan{byID: map[string]*Step{}} }

// Add appends steps; an ID used twice is a programming error.
func (p *Plan) Add(steps ...*Step) {
	for _, s := range steps {
		if _, dup := p.byID[s.ID]; dup {
			panic(fmt.Sprintf("plan: step %q added twice", s.ID))
		}
		p.steps = append(p.steps, s)
		p.byID[s.ID] = s
	}
}

// Has reports whether a step with this ID is in the plan.
func (p *Plan) Has(id string) bool { _, ok := p.byID[id]; return ok }

// Steps returns the steps in the order they were added.
func (p *Plan) Steps() []*Step { return p.steps }

// Len is the number of steps.
func (p *Plan) Len() int { return len(p.steps) }

// Check reports needs that name no step and dependency cycles.
func (p *Plan) Check() error {
	var errs []string
	for _, s := range p.steps {
		for _, n := range s.Needs {
			if _, ok := p.byID[n]; !ok {
				errs = append(errs, fmt.Sprintf("step %q needs unknown step %q", s.ID, n))
			}
		}
	}
	if len(errs) == 0 {
		if _, err := p.Order(); err != nil {
			return err
		}
		return nil
	}
	return fmt.Errorf("plan: %s", strings.Join(errs, "; "))
}

// Order returns the steps in a dependency order that keeps the order of
// addition where dependencies allow, so that printed plans are stable.
func (p *Plan) Order() ([]*Step, error) {
	done := map[string]bool{}
	var out []*Step
	for len(out) < len(p.steps) {
		progressed := false
		for _, s := range p.steps {
			if done[s.ID] || !p.ready(s, done) {
				continue
			}
			done[s.ID] = true
			out = append(out, s)
			progressed = true
			break
		}
		if !progressed {
			return nil, fmt.Errorf("plan: dependency cycle among %s", strings.Join(p.pending(done), ", "))
		}
	}
	return out, nil
}

func (p *Plan) ready(s *Step, done map[string]bool) bool {
	for _, n := range s.Needs {
		if _, known := p.byID[n]; known && !done[n] {
			return false
		}
	}
	return true
}

func (p *Plan) pending(done map[string]bool) []string {
	var ids []string
	for _, s := range p.steps {
		if !done[s.ID] {
			ids = append(ids, s.ID)
		}
	}
	return ids
}
