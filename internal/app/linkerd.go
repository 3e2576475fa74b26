package app

import (
	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newLinkerdCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:        "linkerd DIRS [NAME...]",
		NeedsNodes: true,
		Short:      "Install Linkerd and its multicluster extension",
		Long: `Make the certificates if needed, then install, in each cluster, Linkerd's
CRDs (with the Gateway API CRDs), the control plane with the lab's trust
anchor and the cluster's issuer, and the multicluster extension (with the
gateway where some cluster links through it, and mc-values.yaml merged).
Releases already up to date are left alone.`,
		Example: `  localcluster linkerd clusters
  localcluster linkerd --dryrun clusters smiley`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			workflow.AddLinkerd(p, l.Env, l.Selected, workflow.NoNeeds)
			return nil
		},
	})
}

func newMulticlusterCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:        "multicluster DIRS [NAME...]",
		NeedsNodes: true,
		Short:      "Install or update Linkerd's multicluster extension",
		Example:    `  localcluster multicluster clusters`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			p.Add(workflow.MulticlusterSteps(l.Env, l.Selected, workflow.NoNeeds)...)
			return nil
		},
	})
}
