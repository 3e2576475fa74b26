package helm

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/localcluster/localcluster/charts"
	"github.com/localcluster/localcluster/internal/shell"
)

// Command returns the shell commands that do by hand what Ensure(r) does in
// the cluster of kubeContext ("" = the kubeconfig's current context):
//
//	helm upgrade --install NAME CHART [--repo URL] [--version V]
//	  [--kube-context CTX] --namespace NS [--create-namespace] [--reset-values]
//	  [--wait] [--timeout D] [-f - <<'EOF' … EOF]
//
// on one line, followed by the values as a heredoc (sorted keys, SecretValues
// replaced by "<redacted>"). CHART is the chart name with --repo for a chart
// repository, the full oci:// reference for a registry, and the path for a
// local chart. An embedded chart is first written out with heredocs into a
// temporary directory. --reset-values appears when there are no values: helm
// would otherwise keep the previous release's values, and Ensure does not.
// --timeout appears with --wait or a non-default Timeout. The output depends
// on nothing but the arguments.
func Command(kubeContext string, r Release) string {
	var b strings.Builder
	chartArg := shell.Quote(r.Chart.localPath())
	switch r.Chart.kind() {
	case sourceRepo:
		chartArg = shell.Quote(r.Chart.Name)
	case sourceOCI:
		chartArg = shell.Quote(r.Chart.ociRef())
	case sourceEmbedded:
		if err := writeEmbeddedChart(&b, r.Chart.Name); err != nil {
			fmt.Fprintf(&b, "# %v\n", err)
		}
		chartArg = `"$chart_dir"`
	}

	args := []string{"helm", "upgrade", "--install", shell.Quote(r.Name), chartArg}
	if r.Chart.kind() == sourceRepo {
		args = append(args, "--repo", shell.Quote(r.Chart.Repo))
	}
	if r.Chart.Version != "" && (r.Chart.kind() == sourceRepo || r.Chart.kind() == sourceOCI) {
		args = append(args, "--version", shell.Quote(r.Chart.Version))
	}
	if kubeContext != "" {
		args = append(args, "--kube-context", shell.Quote(kubeContext))
	}
	args = append(args, "--namespace", shell.Quote(r.Namespace))
	if r.CreateNamespace {
		args = append(args, "--create-namespace")
	}

	values, err := redactedValuesYAML(r)
	if err != nil {
		fmt.Fprintf(&b, "# %v\n", err)
	}
	if len(values) == 0 {
		args = append(args, "--reset-values")
	}
	if r.Wait {
		args = append(args, "--wait")
	}
	if r.Wait || r.Timeout != 0 {
		args = append(args, "--timeout", r.timeout().String())
	}
	b.WriteString(strings.Join(args, " "))
	if len(values) > 0 {
		b.WriteString(" -f - ")
		writeHeredoc(&b, string(values))
	} else {
		b.WriteString("\n")
	}
	return b.String()
}

// UninstallCommand returns the helm command that does by hand what
// Uninstall does.
func UninstallCommand(kubeContext, name, namespace string) string {
	args := []string{"helm", "uninstall", shell.Quote(name)}
	if kubeContext != "" {
		args = append(args, "--kube-context", shell.Quote(kubeContext))
	}
	args = append(args, "--namespace", shell.Quote(namespace), "--ignore-not-found")
	return strings.Join(args, " ") + "\n"
}

func redactedValuesYAML(r Release) ([]byte, error) {
	vals, err := normalizeValues(r.Values)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", r.Name, err)
	}
	redact(vals, r.SecretValues)
	return valuesYAML(vals)
}

// writeEmbeddedChart writes the commands that recreate an embedded chart in
// a new temporary directory, leaving its path in $chart_dir.
func writeEmbeddedChart(b *strings.Builder, name string) error {
	files, err := charts.Files(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "chart_dir=\"$(mktemp -d)/%s\"\n", name)
	dirs := map[string]bool{}
	for _, f := range files {
		dirs[path.Dir(f.Path)] = true
	}
	sorted := make([]string, 0, len(dirs))
	for d := range dirs {
		sorted = append(sorted, d)
	}
	sort.Strings(sorted)
	b.WriteString("mkdir -p")
	for _, d := range sorted {
		if d == "." {
			b.WriteString(` "$chart_dir"`)
		} else {
			fmt.Fprintf(b, ` "$chart_dir"/%s`, shell.Quote(d))
		}
	}
	b.WriteString("\n")
	for _, f := range files {
		fmt.Fprintf(b, `cat >"$chart_dir"/%s `, shell.Quote(f.Path))
		writeHeredoc(b, string(f.Data))
	}
	return nil
}

// writeHeredoc writes a quoted heredoc holding content, whose delimiter no
// line of content equals.
func writeHeredoc(b *strings.Builder, content string) {
	if !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	delim := "EOF"
	for i := 1; hasLine(content, delim); i++ {
		delim = fmt.Sprintf("EOF%d", i)
	}
	fmt.Fprintf(b, "<<'%s'\n%s%s\n", delim, content, delim)
}

func hasLine(content, line string) bool {
	for _, l := range strings.Split(content, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
