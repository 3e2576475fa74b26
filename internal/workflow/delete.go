package workflow

import (
	"context"
	"fmt"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/kubeconfig"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/shell"
)

// DeleteSteps removes each cluster, the routes its group peers hold toward
// it and the kubeconfig entries create added. External clusters are never
// deleted.
func DeleteSteps(e *Env, defs []*definition.Cluster) []*plan.Step {
	deleting := map[string]bool{}
	for _, d := range defs {
		deleting[d.Name] = true
	}
	var steps []*plan.Step
	for _, c := range e.clustersOf(defs) {
		if !e.Managed(c) {
			steps = append(steps, &plan.Step{
				ID: "delete/" + c.Name, Cluster: c.Name, Title: "Leave external cluster alone",
				Script: "# external cluster " + c.Name + ": localcluster never deletes it",
				Do: func(context.Context, plan.Logger) (plan.Result, error) {
					return plan.Unchanged("external: not deleted"), nil
				},
			})
			continue
		}
		del := deleteStep(e, c)
		if un := UnrouteStep(e, c, deleting); un != nil {
			del.Needs = append(del.Needs, un.ID)
			steps = append(steps, un)
		}
		steps = append(steps, del, forgetStep(e, c))
	}
	return append(steps, UnlinkPeerSteps(e, deleting)...)
}

func deleteStep(e *Env, c *addrplan.Cluster) *plan.Step {
	s := &plan.Step{ID: "delete/" + c.Name, Cluster: c.Name, Title: "Delete " + c.Def.Provider + " cluster"}
	p, err := e.providerOf(c)
	if err != nil {
		s.Do = failing(err)
		return s
	}
	s.Script = p.DeleteCommand(c.Name)
	s.Do = func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
		st, err := p.Status(ctx, c.Name)
		if err != nil {
			return plan.Result{}, err
		}
		if !st.Exists {
			return plan.Unchanged("does not exist"), nil
		}
		if err := p.Delete(ctx, c.Name); err != nil {
			return plan.Result{}, err
		}
		return plan.Changed("deleted"), nil
	}
	return s
}

func forgetStep(e *Env, c *addrplan.Cluster) *plan.Step {
	kc := ""
	if e.Kubeconfig != "" {
		kc = " --kubeconfig " + shell.Quote(e.Kubeconfig)
	}
	return &plan.Step{
		ID: "forget/" + c.Name, Cluster: c.Name, Needs: []string{"delete/" + c.Name},
		Title: fmt.Sprintf("Remove context %q from %s", c.Name, e.Kubeconfig),
		Script: fmt.Sprintf("kubectl%[1]s config delete-context %[2]s\nkubectl%[1]s config delete-cluster %[2]s\nkubectl%[1]s config delete-user %[2]s",
			kc, c.Name),
		Do: func(context.Context, plan.Logger) (plan.Result, error) {
			changed, err := kubeconfig.Remove(e.Kubeconfig, c.Name, e.kubeconfigNames(c)...)
			if err != nil {
				return plan.Result{}, err
			}
			if !changed {
				return plan.Unchanged("no context to remove"), nil
			}
			return plan.Changed("removed"), nil
		},
	}
}
