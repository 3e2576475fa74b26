package app

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
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
	if !ok {
		return out
	}
	out += fmt.Sprintf("  go       %s\n", info.GoVersion)
	for _, dep := range info.Deps {
		if name, wanted := embedded[dep.Path]; wanted {
			out += fmt.Sprintf("  %-8s %s\n", name, dep.Version)
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
