package workflow

import (
	"context"
	"fmt"
	"strings"

	"github.com/localcluster/localcluster/internal/certs"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/plan"
)

// CertsStepID is the step Linkerd installs wait for.
const CertsStepID = "certs"

// CertsOptions says which certificates to make anew.
type CertsOptions struct {
	NewAnchor bool
}

func (e *Env) certsOptions(defs []*definition.Cluster, o CertsOptions) certs.Options {
	opts := certs.Options{TrustDir: e.TrustDir, Force: e.Force, NewAnchor: o.NewAnchor}
	for _, d := range defs {
		opts.Clusters = append(opts.Clusters, certs.Cluster{Name: d.Name, Dir: d.Dir})
	}
	return opts
}

// CertsStep ensures the trust anchor and an issuer per cluster. Its
// script is computed from the files as they are now (reading only).
func CertsStep(e *Env, defs []*definition.Cluster, o CertsOptions) *plan.Step {
	opts := e.certsOptions(defs, o)
	s := &plan.Step{ID: CertsStepID, Title: "Ensure the Linkerd trust anchor and issuers"}
	actions, err := certs.Plan(opts)
	if err != nil {
		s.Script = "# " + err.Error()
		s.Do = failing(err)
		return s
	}
	s.Script = certsScript(actions, opts)
	s.Do = func(context.Context, plan.Logger) (plan.Result, error) {
		done, err := certs.Ensure(opts)
		if err != nil {
			return plan.Result{}, err
		}
		var made []string
		for _, a := range done {
			if !strings.HasPrefix(a.Kind, "keep") {
				made = append(made, describeAction(a))
			}
		}
		if len(made) == 0 {
			return plan.Unchanged("all certificates kept"), nil
		}
		return plan.Changed(strings.Join(made, ", ")), nil
	}
	return s
}

func certsScript(actions []certs.Action, opts certs.Options) string {
	var lines []string
	for _, a := range actions {
		if strings.HasPrefix(a.Kind, "keep") {
			lines = append(lines, fmt.Sprintf("# keep %s (%s)", strings.Join(a.Files, ", "), a.Reason))
		}
	}
	lines = append(lines, certs.Commands(actions, opts)...)
	return strings.Join(lines, "\n")
}

func describeAction(a certs.Action) string {
	what := "trust anchor"
	if a.Cluster != "" {
		what = a.Cluster + " issuer"
	}
	verb := strings.SplitN(a.Kind, "-", 2)[0] + "d"
	if verb == "created" || verb == "replaced" {
		return fmt.Sprintf("%s %s (%s)", what, verb, a.Reason)
	}
	return what + " " + a.Kind
}
