package app

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newLinkerdCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "linkerd DIRS [NAME...]",
		Short: "Install Linkerd and its multicluster extension",
		Long: `Make the certificates if needed, then install, in each cluster, Linkerd's
CRDs (with the Gateway API CRDs), the control plane with the lab's trust
anchor and the cluster's issuer, and the multicluster extension (with the
gateway where some cluster links through it, and mc-values.yaml merged).
Releases already up to date are left alone.`,
		Example: `  localcluster linkerd clusters
  localcluster linkerd --dryrun clusters smiley`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := parseLabArgs("linkerd", args)
			if err != nil {
				return err
			}
			return runLinkerd(cmd.Context(), streams, g, a)
		},
	}
}

func runLinkerd(ctx context.Context, streams Streams, g *GlobalOptions, a labArgs) error {
	l, err := loadLab(streams, g, a)
	if err != nil {
		return err
	}
	p := plan.New()
	p.Add(workflow.CertsStep(l.Env, l.Selected, workflow.CertsOptions{}))
	p.Add(workflow.LinkerdSteps(l.Env, l.Selected, noNeeds)...)
	p.Add(workflow.MulticlusterSteps(l.Env, l.Selected, workflow.LinkerdAfter(p))...)
	return execute(ctx, streams, g, l, "linkerd", p)
}

func newMulticlusterCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:               "multicluster DIRS [NAME...]",
		Short:             "Install or update Linkerd's multicluster extension",
		Example:           `  localcluster multicluster clusters`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := parseLabArgs("multicluster", args)
			if err != nil {
				return err
			}
			l, err := loadLab(streams, g, a)
			if err != nil {
				return err
			}
			p := plan.New()
			p.Add(workflow.MulticlusterSteps(l.Env, l.Selected, noNeeds)...)
			return execute(cmd.Context(), streams, g, l, "multicluster", p)
		},
	}
}
