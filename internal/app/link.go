package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

// LinkOptions are the flags of link and unlink.
type LinkOptions struct {
	Src, Dst string
}

func newGroupCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:        "group DIRS [NAME...]",
		NeedsNodes: true,
		Aliases:    []string{"link-groups"},
		Short:      "Link the clusters of each group to each other, pod-to-pod",
		Long: `For every group a named cluster is in, link each member to every other
member, both ways, without gateways: services exported with
mirror.linkerd.io/exported=remote-discovery are mirrored and proxies connect
straight to the remote pods, over the routes create added.`,
		Example: `  localcluster group clusters smiley`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			p.Add(workflow.LinkSteps(l.Env, workflow.GroupLinks(l.Env, l.Selected), workflow.NoNeeds)...)
			return nil
		},
	})
}

func newLinkCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	o := &LinkOptions{}
	return newLabCommand(streams, g, labCommand{
		Use:        "link --src A --dst B DIRS",
		NeedsNodes: true,
		Short:      "Link B into A through B's gateway (B's services appear in A)",
		Long: `With --src and --dst, link the destination into the source through the
destination's multicluster gateway, turning the gateway on if needed.
Without them, make every gateway link the lab's files declare
(spec.gatewayLinks) that starts or ends at a named cluster.`,
		Example: `  localcluster link --src cdn --dst faces clusters
  localcluster link clusters`,
		Flags: func(cmd *cobra.Command) {
			cmd.Flags().StringVar(&o.Src, "src", "", "the cluster whose workloads will reach the other's services")
			cmd.Flags().StringVar(&o.Dst, "dst", "", "the cluster whose services are mirrored into --src")
		},
		Check: func() error {
			if (o.Src == "") != (o.Dst == "") {
				return usageErrorf("give both --src and --dst, or neither to make the links the lab declares")
			}
			return nil
		},
		Build: func(l *loadedLab, p *plan.Plan) error {
			var links []workflow.Link
			if o.Src == "" {
				links = workflow.DeclaredGatewayLinks(l.Env, l.Selected)
			} else {
				link, err := pair(l, o)
				if err != nil {
					return err
				}
				link.Gateway = true
				links = []workflow.Link{link}
			}
			p.Add(workflow.LinkSteps(l.Env, links, workflow.NoNeeds)...)
			return nil
		},
	})
}

// pair resolves --src and --dst to clusters of the lab.
func pair(l *loadedLab, o *LinkOptions) (workflow.Link, error) {
	src, dst := l.Plan.Cluster(o.Src), l.Plan.Cluster(o.Dst)
	switch {
	case src == nil || dst == nil:
		return workflow.Link{}, usageErrorf("no cluster named %s in the lab; it has %s", quoteMissing(l, o), clusterNames(l))
	case src == dst:
		return workflow.Link{}, usageErrorf("--src and --dst are both %s: a cluster cannot link to itself", o.Src)
	}
	return workflow.Link{Source: src, Target: dst}, nil
}

func quoteMissing(l *loadedLab, o *LinkOptions) string {
	var out []string
	for _, n := range []string{o.Src, o.Dst} {
		if l.Plan.Cluster(n) == nil {
			out = append(out, fmt.Sprintf("%q", n))
		}
	}
	return joinAnd(out)
}

func newUnlinkCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	o := &LinkOptions{}
	return newLabCommand(streams, g, labCommand{
		Use:     "unlink --src A --dst B DIRS",
		Short:   "Remove the link of B into A",
		Example: `  localcluster unlink --src cdn --dst faces clusters`,
		Flags: func(cmd *cobra.Command) {
			cmd.Flags().StringVar(&o.Src, "src", "", "the cluster holding the link")
			cmd.Flags().StringVar(&o.Dst, "dst", "", "the linked cluster")
		},
		Check: func() error {
			if o.Src == "" || o.Dst == "" {
				return usageErrorf("unlink needs --src and --dst")
			}
			return nil
		},
		Build: func(l *loadedLab, p *plan.Plan) error {
			link, err := pair(l, o)
			if err != nil {
				return err
			}
			p.Add(workflow.UnlinkSteps(l.Env, link)...)
			return nil
		},
	})
}
