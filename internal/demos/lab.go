package demos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Lab runs the localcluster binary the way the harness checks an
// invocation: with no Docker daemon to reach and a HOME and KUBECONFIG of its
// own, so that nothing on the machine is touched or consulted.
type Lab struct {
	Binary string
	Home   string // a scratch directory

	known map[string]bool
}

// PendingCommands are commands the workshops use that are being built on
// other branches: while the binary lacks one, its invocations are reported
// as pending instead of failing.
var PendingCommands = []string{"status"}

// errPending says the binary lacks a command in PendingCommands.
var errPending = errors.New("not checked: this localcluster has no such command yet (pending its branch)")

// knows reports whether the binary has the command sub: its --help succeeds.
func (l *Lab) knows(ctx context.Context, sub string) bool {
	if known, ok := l.known[sub]; ok {
		return known
	}
	_, _, code, err := l.run(ctx, l.Home, []string{sub, "--help"})
	known := err == nil && code == 0
	if l.known == nil {
		l.known = map[string]bool{}
	}
	l.known[sub] = known
	return known
}

// readOnly are the commands that change nothing and have no dry-run.
var readOnly = []string{"info", "status", "version", "completion", "help"}

// valueFlags take the next argument as their value when not written
// --flag=value.
var valueFlags = []string{"--trust-dir", "--kubeconfig", "--parallel", "--src", "--dst", "-o", "--output", "--wait"}

// subcommand is the first argument that is neither a flag nor a flag's value.
func subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if slices.Contains(valueFlags, a) {
				i++
			}
			continue
		}
		return a
	}
	return ""
}

// positionals are the arguments after the subcommand that are not flags or
// flag values: the directories, then the cluster names.
func positionals(args []string) []string {
	var out []string
	seenSub := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if slices.Contains(valueFlags, a) {
				i++
			}
			continue
		}
		if !seenSub {
			seenSub = true
			continue
		}
		out = append(out, a)
	}
	return out
}

// Check runs one invocation (args without the program name) from dir. A
// command that changes things runs with --dryrun and must succeed and print
// its plan; info and version must succeed (they need no Docker); status,
// read-only and without a dry-run, must at least be a well-formed call
// (exit code other than 2, which is a usage error).
func (l *Lab) Check(ctx context.Context, dir string, args []string) error {
	sub := subcommand(args)
	if sub == "" {
		return errors.New("no command")
	}
	if !l.knows(ctx, sub) {
		if slices.Contains(PendingCommands, sub) {
			return fmt.Errorf("`localcluster %s`: %w", strings.Join(args, " "), errPending)
		}
		return fmt.Errorf("`localcluster %s`: this localcluster has no command %q", strings.Join(args, " "), sub)
	}
	help := slices.Contains(args, "--help") || slices.Contains(args, "-h")
	run := slices.Clone(args)
	mutating := !slices.Contains(readOnly, sub) && !help
	if mutating && !slices.Contains(run, "--dryrun") && !slices.Contains(run, "--dry-run") {
		run = append(run, "--dryrun")
	}
	quoted := "localcluster " + strings.Join(run, " ")
	if sub == "status" {
		// The call's shape is what is checked: without a lab to reach,
		// --wait would only wait out its time.
		run = withoutWaiting(run)
	}
	stdout, stderr, code, err := l.run(ctx, dir, run)
	if err != nil {
		return err
	}
	switch {
	case sub == "status" && !help:
		if code == 2 {
			return fmt.Errorf("`%s` is not a valid call (exit 2): %s", quoted, lastLines(stderr, 3))
		}
	case code != 0:
		return fmt.Errorf("`%s` failed with exit code %d: %s", quoted, code, lastLines(stderr, 3))
	case mutating && strings.TrimSpace(stdout) == "":
		return fmt.Errorf("`%s` printed no plan", quoted)
	}
	return nil
}

func (l *Lab) run(ctx context.Context, dir string, args []string) (stdout, stderr string, code int, err error) {
	cmd := exec.CommandContext(ctx, l.Binary, args...)
	cmd.Dir = dir
	cmd.Env = l.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), errb.String(), exit.ExitCode(), nil
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("run localcluster: %w", err)
	}
	return out.String(), errb.String(), 0, nil
}

// env is the caller's environment with Docker pointing nowhere and HOME
// and KUBECONFIG in the scratch directory.
func (l *Lab) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DOCKER_HOST", "DOCKER_CONTEXT", "HOME", "KUBECONFIG", "XDG_CONFIG_HOME", "XDG_CACHE_HOME":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"DOCKER_HOST=unix://"+filepath.Join(l.Home, "no-docker.sock"),
		"HOME="+l.Home,
		"KUBECONFIG="+filepath.Join(l.Home, ".kube", "config"),
	)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// withoutWaiting sets any --wait of a status call to zero.
func withoutWaiting(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		switch {
		case a == "--wait" && i+1 < len(out):
			out[i+1] = "0s"
		case strings.HasPrefix(a, "--wait="):
			out[i] = "--wait=0s"
		}
	}
	return out
}
