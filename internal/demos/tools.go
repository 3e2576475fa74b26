package demos

import (
	"fmt"
	"slices"
	"strings"
)

// flagValue reads a flag's value at args[i]: "--flag value", "--flag=value"
// or "-fvalue" for one-letter flags. It returns the value, how many
// arguments it took, and whether args[i] was that flag at all.
func flagValue(args []string, i int, names ...string) (value string, n int, ok bool) {
	a := args[i]
	for _, name := range names {
		switch {
		case a == name:
			if i+1 < len(args) {
				return args[i+1], 2, true
			}
			return "", 1, true
		case strings.HasPrefix(a, name+"="):
			return a[len(name)+1:], 1, true
		case len(name) == 2 && strings.HasPrefix(a, name) && !strings.HasPrefix(a, "--"):
			return a[2:], 1, true
		}
	}
	return "", 0, false
}

// kubectlCall is what the harness reads from a kubectl command line.
type kubectlCall struct {
	Verb      string
	Context   string
	Namespace string
	Files     []string // -f/--filename values
	Kustomize bool
}

// kubectlValueFlags are kubectl flags that take a value, other than those
// read below, so that values are not taken for the verb.
var kubectlValueFlags = []string{"-o", "--output", "-l", "--selector", "--kubeconfig", "--cluster", "--user", "--type", "--timeout", "--for", "--field-manager", "-p", "--patch", "--replicas", "-c", "--container", "--sort-by", "--template"}

func parseKubectl(args []string) kubectlCall {
	var k kubectlCall
	for i := 1; i < len(args); {
		if v, n, ok := flagValue(args, i, "--context"); ok {
			k.Context, i = v, i+n
			continue
		}
		if v, n, ok := flagValue(args, i, "-n", "--namespace"); ok {
			k.Namespace, i = v, i+n
			continue
		}
		if v, n, ok := flagValue(args, i, "-f", "--filename"); ok {
			k.Files, i = append(k.Files, v), i+n
			continue
		}
		if _, n, ok := flagValue(args, i, "-k", "--kustomize"); ok {
			k.Kustomize, i = true, i+n
			continue
		}
		a := args[i]
		if slices.Contains(kubectlValueFlags, a) {
			i += 2
			continue
		}
		if !strings.HasPrefix(a, "-") && k.Verb == "" {
			k.Verb = a
		}
		i++
	}
	return k
}

// helmCall is what the harness reads from a helm command line.
type helmCall struct {
	Verb        string
	KubeContext string
	Release     Release
	Positional  []string
}

var helmBoolFlags = []string{"-i", "--install", "--create-namespace", "--wait", "--wait-for-jobs", "--atomic", "--dry-run", "--debug", "--reuse-values", "--reset-values", "--force", "--skip-crds", "--devel"}

func parseHelm(args []string) (helmCall, error) {
	var h helmCall
	for i := 1; i < len(args); {
		a := args[i]
		switch {
		case slices.Contains(helmBoolFlags, a):
			i++
			continue
		}
		if v, n, ok := flagValue(args, i, "--kube-context"); ok {
			h.KubeContext, i = v, i+n
			continue
		}
		if v, n, ok := flagValue(args, i, "-n", "--namespace"); ok {
			h.Release.Namespace, i = v, i+n
			continue
		}
		if v, n, ok := flagValue(args, i, "-f", "--values"); ok {
			h.Release.Values.ValueFiles, i = append(h.Release.Values.ValueFiles, v), i+n
			continue
		}
		if v, n, ok := flagValue(args, i, "--set"); ok {
			h.Release.Values.Values, i = append(h.Release.Values.Values, v), i+n
			continue
		}
		if v, n, ok := flagValue(args, i, "--set-string"); ok {
			h.Release.Values.StringValues, i = append(h.Release.Values.StringValues, v), i+n
			continue
		}
		if _, n, ok := flagValue(args, i, "--version", "--timeout", "--repo"); ok {
			i += n
			continue
		}
		if strings.HasPrefix(a, "-") {
			return h, fmt.Errorf("helm flag %s is not known to the harness", a)
		}
		if h.Verb == "" {
			h.Verb = a
		} else {
			h.Positional = append(h.Positional, a)
		}
		i++
	}
	if len(h.Positional) >= 2 {
		h.Release.Name, h.Release.Chart = h.Positional[0], h.Positional[1]
	}
	return h, nil
}
