//go:build e2e

package demos

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Runner runs a workshop for real, as demosh would with every pause
// answered at once: commands one by one, each in its own /bin/sh, with
// demosh's handling of assignments, functions, cd and set -e. It stops at
// the first command that fails (where demosh stops only after set -e, which
// Check requires anyway).
type Runner struct {
	// Bin is the directory holding the localcluster binary to run; it goes
	// first in PATH.
	Bin string
	Out io.Writer // the commands and their output

	dir       string
	cwd       string
	env       map[string]string
	functions []string
}

// RunDir runs a workshop directory: its setup script with bash, then its
// README.md as demosh would.
func (r *Runner) RunDir(ctx context.Context, dir string) error {
	r.dir, r.cwd = dir, dir
	r.env = map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		r.env[k] = v
	}
	r.env["PATH"] = r.Bin + string(os.PathListSeparator) + r.env["PATH"]
	fmt.Fprintf(r.Out, "$ ./%s\n", SetupFile)
	if err := r.exec(exec.CommandContext(ctx, "bash", SetupFile)); err != nil {
		return fmt.Errorf("%s: %w", SetupFile, err)
	}
	w, err := Read(dir, ReadmeFile)
	if err != nil {
		return err
	}
	return r.elements(ctx, w, w.Elements)
}

func (r *Runner) elements(ctx context.Context, w *Workshop, elems []Element) error {
	for _, e := range elems {
		var err error
		switch e.Kind {
		case Directive:
			err = r.directive(ctx, w, e)
		case Command:
			err = r.command(ctx, e.Text)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", e.Pos, err)
		}
	}
	return nil
}

func (r *Runner) directive(ctx context.Context, w *Workshop, e Element) error {
	word, rest, _ := strings.Cut(e.Text, " ")
	switch {
	case slices.Contains(modifiers, e.Text), word == "wait", slices.Contains(builtinMacros, word):
		return nil // pauses, display, and the builtins' livecast hooks
	case word == "print":
		fmt.Fprintln(r.Out, rest)
		return nil
	}
	if m, ok := w.Macros[word]; ok {
		return r.elements(ctx, w, m.Body)
	}
	return r.command(ctx, e.Text)
}

func (r *Runner) command(ctx context.Context, text string) error {
	trimmed := strings.TrimSpace(text)
	if trimmed == "" || strings.HasPrefix(trimmed, "#") {
		return nil
	}
	fmt.Fprintf(r.Out, "$ %s\n", trimmed)
	if m := reAssignment.FindStringSubmatch(text); m != nil {
		value := text[len(m[0]):]
		out, err := r.bash(ctx, strings.Join(r.functions, "\n")+"\n"+m[2]+"="+strings.TrimSpace(value)+"\necho \"$"+m[2]+"\"\n")
		if err != nil {
			return err
		}
		r.env[m[2]] = strings.TrimSpace(out)
		return nil
	}
	if reFunction.MatchString(text) {
		r.functions = append(r.functions, text)
		return nil
	}
	fields := strings.Fields(trimmed)
	switch fields[0] {
	case "cd":
		out, err := r.bash(ctx, trimmed+"\npwd\n")
		if err != nil {
			return err
		}
		r.cwd = strings.TrimSpace(out)
		return nil
	case "set":
		return nil // set -e: the runner always stops at a failure
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", strings.Join(append(slices.Clone(r.functions), text), "\n"))
	return r.exec(cmd)
}

// bash runs script in bash and returns what it prints, as demosh does for
// assignments and cd.
func (r *Runner) bash(ctx context.Context, script string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash")
	cmd.Stdin = strings.NewReader(script)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := r.exec(cmd); err != nil {
		return "", err
	}
	return out.String(), nil
}

func (r *Runner) exec(cmd *exec.Cmd) error {
	cmd.Dir = r.cwd
	cmd.Env = nil
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if cmd.Stdout == nil {
		cmd.Stdout = r.Out
	}
	cmd.Stderr = r.Out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("failed: %w", err)
	}
	return nil
}

// LabDirs lists the lab directories a workshop's localcluster invocations
// name (relative to the workshop), to tear the labs down afterwards.
func LabDirs(dir string) ([]string, error) {
	var labs []string
	add := func(w *Workshop) {
		for _, e := range w.Elements {
			if e.Kind != Command {
				continue
			}
			f, err := parse(e.Text)
			if err != nil {
				continue
			}
			for _, cl := range calls(f, map[string]string{}) {
				if filepath.Base(cl.Name()) != "localcluster" || cl.Unresolved != "" {
					continue
				}
				if p := positionals(cl.Args[1:]); len(p) > 0 && !slices.Contains(labs, p[0]) {
					labs = append(labs, p[0])
				}
			}
		}
	}
	setup, err := ReadScript(dir, SetupFile)
	if err != nil {
		return nil, err
	}
	add(setup)
	w, err := Read(dir, ReadmeFile)
	if err != nil {
		return nil, err
	}
	add(w)
	return labs, nil
}
