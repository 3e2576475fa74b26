package app

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/workflow"
)

// version is set at build time with -ldflags "-X ...app.version=v1.2.3";
// otherwise the module version or "dev".
var version = ""

func newVersionCommand(streams Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of localcluster and of the libraries it embeds",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprint(streams.Out, versionText())
			return nil
		},
	}
}

func versionText() string {
	v := version
	info, ok := debug.ReadBuildInfo()
	if v == "" && ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	out := fmt.Sprintf("localcluster %s\n", v)
	charts := workflow.ChartsFrom(definition.Settings{})
	l := charts.Linkerd
	out += "charts it installs unless lab.yaml says otherwise:\n"
	out += fmt.Sprintf("  %s, %s, %s %s from %s\n", l.CRDs, l.ControlPlane, l.Multicluster, l.Version, l.Repo)
	out += fmt.Sprintf("  %s %s from %s\n", charts.MetalLB.Name, charts.MetalLB.Version, charts.MetalLB.Repo)
	if !ok {
		return out
	}
	out += "libraries:\n"
	out += fmt.Sprintf("  %-9s %s\n", "go", info.GoVersion)
	for _, dep := range info.Deps {
		if name, wanted := embedded[dep.Path]; wanted {
			out += fmt.Sprintf("  %-9s %s\n", name, dep.Version)
		}
	}
	return out
}

// embedded names the libraries whose versions decide what gets created.
var embedded = map[string]string{
	"sigs.k8s.io/kind":         "kind",
	"github.com/k3d-io/k3d/v5": "k3d",
	"helm.sh/helm/v3":          "helm",
	"k8s.io/client-go":         "client-go",
	"github.com/docker/docker": "docker",
}
