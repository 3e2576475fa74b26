package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/certs"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

// CertsOptions are the flags of certs.
type CertsOptions struct {
	NewAnchor bool
	Output    string
}

// CertReport is one certificate as certs -o json|yaml reports it.
type CertReport struct {
	Cluster  string    `json:"cluster,omitempty"`
	Path     string    `json:"path"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"notAfter"`
	DaysLeft int       `json:"daysLeft"`
	Valid    bool      `json:"valid"`
	Problem  string    `json:"problem,omitempty"`
}

func newCertsCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	o := &CertsOptions{}
	return newLabCommand(streams, g, labCommand{
		Use:   "certs DIRS [NAME...]",
		Short: "Make the Linkerd trust anchor and each cluster's issuer",
		Long: `Make the trust anchor (--trust-dir, default ./certs: root.crt, root.key) when
there is none, and an issuer per cluster (issuer.crt, issuer.key beside its
sma.yaml), then report every certificate with its chain validity and days
left. Existing files are kept; --force makes new issuers; --new-anchor makes
a new trust anchor and so new issuers for every named cluster.

With --dryrun, -o json prints the plan's step graph.`,
		Example: `  localcluster certs clusters
  localcluster certs --force clusters smiley`,
		Flags: func(cmd *cobra.Command) {
			cmd.Flags().BoolVar(&o.NewAnchor, "new-anchor", false, "replace the trust anchor (every issuer is remade; running clusters need Linkerd reinstalled)")
			cmd.Flags().StringVarP(&o.Output, "output", "o", "table", "report format: table, json or yaml")
		},
		Check: func() error { return checkOutput(o.Output) },
		Build: func(l *loadedLab, p *plan.Plan) error {
			p.Add(workflow.CertsStep(l.Env, l.Selected, workflow.CertsOptions{NewAnchor: o.NewAnchor}))
			return nil
		},
		After: func(_ context.Context, l *loadedLab) error {
			infos, err := certs.Inspect(certsOptions(l))
			if err != nil {
				return err
			}
			return reportCerts(streams.Out, o.Output, infos)
		},
	})
}

func certsOptions(l *loadedLab) certs.Options {
	opts := certs.Options{TrustDir: l.Env.TrustDir}
	for _, d := range l.Selected {
		opts.Clusters = append(opts.Clusters, certs.Cluster{Name: d.Name, Dir: d.Dir})
	}
	return opts
}

// reportCerts prints every certificate and fails if any is not usable by
// Linkerd.
func reportCerts(w io.Writer, format string, infos []certs.CertInfo) error {
	if format != "table" {
		var out []CertReport
		var bad []error
		for _, c := range infos {
			out = append(out, CertReport{Cluster: c.Cluster, Path: c.Path, Subject: c.Subject, NotAfter: c.NotAfter, DaysLeft: c.DaysLeft, Valid: c.Valid, Problem: c.Problem})
			if !c.Valid {
				bad = append(bad, fmt.Errorf("%s: %s", c.Path, c.Problem))
			}
		}
		if err := writeStructured(w, format, out); err != nil {
			return err
		}
		if len(bad) > 0 {
			return fmt.Errorf("certificates Linkerd cannot use:\n%w", errors.Join(bad...))
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tFILE\tSUBJECT\tVALID\tDAYS LEFT\tPROBLEM")
	var bad []error
	for _, c := range infos {
		who := c.Cluster
		if who == "" {
			who = "(trust anchor)"
		}
		valid := "yes"
		if !c.Valid {
			valid = "NO"
			bad = append(bad, fmt.Errorf("%s: %s", c.Path, c.Problem))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", who, c.Path, c.Subject, valid, c.DaysLeft, c.Problem)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("certificates Linkerd cannot use:\n%w", errors.Join(bad...))
	}
	return nil
}
