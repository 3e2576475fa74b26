package demos

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// fileCommands read the files named in their arguments.
var fileCommands = []string{"cat", "bat", "less", "more", "head", "tail", "source", ".", "bash", "sh", "diff", "yq"}

// call checks one simple command: the files it names exist; localcluster,
// kubectl and helm calls are checked against the lab, the API server and
// the chart.
func (c *Checker) call(ctx context.Context, s *state, pos Pos, cl call) {
	dir := filepath.Join(s.w.Dir, s.cwd)
	name := filepath.Base(cl.Name())
	tool := name == "localcluster" || name == "kubectl" || name == "helm"
	if cl.Unresolved != "" {
		if tool {
			s.add(pos, "`%s` uses %s, which the harness cannot know before running it: write the value out", printNode(cl.Node), cl.Unresolved)
		}
		return
	}
	switch {
	case name == "localcluster":
		c.localcluster(ctx, s, pos, dir, cl.Args)
	case name == "kubectl":
		c.kubectl(ctx, s, pos, dir, cl.Args)
	case name == "helm":
		c.helm(ctx, s, pos, dir, cl.Args)
	case contains(fileCommands, name):
		for _, a := range cl.Args[1:] {
			if !strings.HasPrefix(a, "-") {
				s.mustExist(pos, dir, a)
			}
		}
	default:
		if strings.HasPrefix(cl.Name(), "./") || strings.HasPrefix(cl.Name(), "../") {
			s.mustExist(pos, dir, cl.Name())
		}
		for _, a := range cl.Args[1:] {
			if looksLikePath(a) {
				s.mustExist(pos, dir, a)
			}
		}
	}
}

// looksLikePath is an argument that names a file of the workshop: a
// relative path, or a name with a file extension that workshops ship.
func looksLikePath(a string) bool {
	if strings.HasPrefix(a, "-") || strings.Contains(a, "://") {
		return false
	}
	if strings.HasPrefix(a, "./") || strings.HasPrefix(a, "../") {
		return true
	}
	switch filepath.Ext(a) {
	case ".yaml", ".yml", ".json", ".sh", ".md", ".tgz":
		return true
	}
	return false
}

func (s *state) mustExist(pos Pos, dir, path string) {
	if filepath.IsAbs(path) || path == "-" {
		return
	}
	if _, err := os.Stat(filepath.Join(dir, path)); err != nil {
		s.add(pos, "%s: no such file (relative to %s)", path, filepath.Join(s.w.File, "..", s.cwd))
	}
}

func (c *Checker) localcluster(ctx context.Context, s *state, pos Pos, dir string, args []string) {
	if p := positionals(args[1:]); len(p) > 0 && subcommand(args[1:]) != "completion" {
		for _, d := range strings.Split(p[0], ",") {
			s.mustExist(pos, dir, d)
		}
		for _, name := range labClusters(dir, p[0]) {
			s.clusters[name] = true
		}
	}
	if err := c.Lab.Check(ctx, dir, args[1:]); err != nil {
		s.add(pos, "%v", err)
		if errors.Is(err, errPending) {
			s.problems[len(s.problems)-1].Pending = true
		}
	}
}

func (c *Checker) kubectl(ctx context.Context, s *state, pos Pos, dir string, args []string) {
	k := parseKubectl(args)
	s.checkContext(pos, "kubectl", "--context", k.Context)
	if k.Kustomize {
		s.add(pos, "kubectl -k: kustomizations are not checked; apply files with -f")
	}
	for _, f := range k.Files {
		if f == "-" {
			s.add(pos, "kubectl -f -: manifests from standard input are not checked; ship them as files")
			continue
		}
		s.mustExist(pos, dir, f)
	}
	if k.Verb != "apply" && k.Verb != "create" && k.Verb != "replace" {
		return
	}
	for _, f := range k.Files {
		if f == "-" {
			continue
		}
		objs, err := ReadManifests(filepath.Join(dir, f))
		if err != nil {
			if !os.IsNotExist(err) {
				s.add(pos, "%s: %v", f, err)
			}
			continue
		}
		c.validate(ctx, s, pos, f, objs, k.Namespace)
	}
}

func (c *Checker) validate(ctx context.Context, s *state, pos Pos, what string, objs []*unstructured.Unstructured, ns string) {
	if c.Kube == nil {
		s.add(pos, "%s: not checked: no API server", what)
		return
	}
	for _, err := range c.Kube.Validate(ctx, objs, ns) {
		s.add(pos, "%s: the API server refuses %v", what, err)
	}
}

func (c *Checker) helm(ctx context.Context, s *state, pos Pos, dir string, args []string) {
	h, err := parseHelm(args)
	if err != nil {
		s.add(pos, "%v", err)
		return
	}
	for _, f := range h.Release.Values.ValueFiles {
		s.mustExist(pos, dir, f)
	}
	s.checkContext(pos, "helm", "--kube-context", h.KubeContext)
	if h.Verb != "install" && h.Verb != "upgrade" && h.Verb != "template" {
		return
	}
	chart := h.Release.Chart
	if chart == "" {
		s.add(pos, "helm %s without a release name and chart", h.Verb)
		return
	}
	if _, err := os.Stat(filepath.Join(dir, chart)); err != nil {
		s.add(pos, "helm chart %s: not a chart shipped with the workshop, so it cannot be checked here (%v)", chart, err)
		return
	}
	objs, err := Render(dir, h.Release)
	if err != nil {
		s.add(pos, "%v", err)
		return
	}
	c.validate(ctx, s, pos, "chart "+chart, objs, h.Release.Namespace)
}
