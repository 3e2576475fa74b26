package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/diag"
	"github.com/localcluster/localcluster/internal/health"
)

// LogsOptions are the flags of logs.
type LogsOptions struct {
	Output string // the bundle's file; "" means localcluster-logs-<time>.tar.gz here
}

func newLogsCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	o := &LogsOptions{}
	cmd := &cobra.Command{
		Use:   "logs DIRS [NAME...]",
		Short: "Write a diagnostics bundle (tar.gz) to attach to a bug report",
		Long: `Collect, for the named clusters (default: all), into one tar.gz: the lab's
files and certificates (never private keys), the status report, each node
container's inspect output and logs, its kubelet and containerd journals
where the node has them, the Helm release history with values (secrets
redacted), Events, Links and mirrored Services. What cannot be collected is
listed in errors.txt inside; the bundle is written all the same.`,
		Example: `  localcluster logs clusters
  localcluster logs clusters faces -o faces-logs.tar.gz`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := parseLabArgs("logs", args)
			if err != nil {
				return err
			}
			return runLogs(cmd.Context(), streams, g, o, a)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "file to write (default: localcluster-logs-<time>.tar.gz in the working directory)")
	return cmd
}

func runLogs(ctx context.Context, streams Streams, g *GlobalOptions, o *LogsOptions, a labArgs) error {
	l, err := loadLab(ctx, streams, g, a)
	if err != nil {
		return err
	}
	defer l.Close()
	now := time.Now().UTC()
	root := "localcluster-logs-" + now.Format("20060102-150405")
	path := o.Output
	if path == "" {
		path = root + ".tar.gz"
	}
	hopts := healthOptions(l, g, a)
	fmt.Fprintln(streams.ErrOut, "Checking the lab's status…")
	report := health.Run(ctx, hopts)
	opts := diag.Options{
		Plan: l.Plan, Clusters: hopts.Clusters, KubeTarget: l.Env.KubeTarget, Traits: l.Env.Traits, TrustDir: g.TrustDir, Status: report,
	}
	if l.Lab.SettingsFile != "" {
		opts.LabFiles = append(opts.LabFiles, l.Lab.SettingsFile)
	}
	fmt.Fprintln(streams.ErrOut, "Collecting logs, journals, Helm history, Events and Links…")
	tmp, err := os.CreateTemp(filepath.Dir(path), ".localcluster-logs-*")
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	names, err := diag.Write(ctx, tmp, root, opts)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("logs: writing %s: %w", path, err)
	}
	note := ""
	for _, n := range names {
		if n == "errors.txt" {
			note = "; what could not be collected is in errors.txt"
		}
	}
	fmt.Fprintf(streams.ErrOut, "Wrote %d files%s\n", len(names), note)
	fmt.Fprintln(streams.Out, path)
	return nil
}

// logsHint is what a failed create or up adds to its error.
func logsHint(a labArgs) string {
	return "for a bug report, collect diagnostics with: localcluster logs " + strings.Join(a.Dirs, ",")
}
