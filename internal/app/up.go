package app

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newUpCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:   "up DIRS [NAME...]",
		Short: "Bring a whole lab up: clusters, routes, load balancers, Linkerd and links",
		Long: `Do in one plan what create, linkerd, group and link do, with no barrier
between them: each cluster goes through its own chain (create, context, load
balancer, Linkerd CRDs and control plane, multicluster) as soon as its own
steps are done, routes are added when a group's members exist, and a link
is made when both of its ends are ready. The lab is ready when its slowest
cluster is. Running it again changes nothing and says so.`,
		Example: `  localcluster up clusters/workshop
  localcluster up --dryrun clusters/workshop
  localcluster up --dryrun -o json clusters/workshop`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			if !g.DryRun {
				warnInotify(streams.ErrOut, len(l.Selected), "/proc/sys/fs/inotify/max_user_instances")
			}
			workflow.AddUp(p, l.Env, l.Selected)
			return nil
		},
		Timings:  true,
		LogsHint: true,
	})
}

// writeTimings tells how long each cluster took and which steps decided
// when the run ended.
func writeTimings(w io.Writer, sum plan.Summary) {
	times := sum.ClusterTimes()
	if len(times) == 0 {
		return
	}
	var parts []string
	for _, t := range times {
		parts = append(parts, fmt.Sprintf("%s %s", t.Cluster, roundSeconds(t.Duration)))
	}
	fmt.Fprintf(w, "Cluster times: %s\n", strings.Join(parts, ", "))
	var path []string
	for _, o := range sum.CriticalPath() {
		path = append(path, fmt.Sprintf("%s (%s)", o.Step.ID, roundSeconds(o.Duration)))
	}
	fmt.Fprintf(w, "Critical path: %s\n", strings.Join(path, " → "))
}

func roundSeconds(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
