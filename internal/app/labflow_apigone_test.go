package app

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAPIServerGoneFlow: beta's node container is paused (its API server
// stops answering, connections hang) as linkerd starts installing there.
// linkerd ends with exit 1 within a bound, its error names beta and says
// its API server stopped answering, in a few lines; the other clusters
// are installed. Once the node is unpaused the same command converges:
// every release deployed, none left pending. Stand-ins as in TestLabFlow.
func TestAPIServerGoneFlow(t *testing.T) {
	f := newCreatedFlow(t)
	beta := f.node("beta")
	step := "[" + beta.name + "] Install Linkerd CRDs and control plane"
	paused := false
	t.Cleanup(func() {
		if paused {
			_ = exec.Command("docker", "unpause", beta.container()).Run()
		}
	})
	r := f.runWatching(t, "linkerd", func(line string) {
		if !paused && line == "• "+step+" ..." {
			f.docker(t, "pause", beta.container())
			paused = true
		}
	})
	if !paused {
		t.Fatalf("linkerd never started %q", step)
	}
	if r.code != 1 {
		t.Errorf("linkerd with beta's API server paused: exit %d, want 1", r.code)
	}
	if limit := 2 * time.Minute; r.took > limit {
		t.Errorf("linkerd took %s to give up on a paused API server, want under %s", r.took, limit)
	}
	var failed string
	for _, line := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(line, "✗ "+step+": ") {
			failed = line
		}
	}
	want := "the API server of " + beta.name + " (" + beta.server() + ") stopped answering during the install"
	if !strings.Contains(failed, want) || !strings.Contains(failed, "run the same command again") || len(failed) > 600 {
		t.Errorf("the failed step says\n%s\nwant a short line with %q and what to do", failed, want)
	}
	for _, n := range []*labNode{f.node("alpha"), f.node("gamma")} {
		wantStep(t, r, "["+n.name+"] Install Linkerd CRDs and control plane", "installed")
	}

	f.docker(t, "unpause", beta.container())
	paused = false
	f.waitReady(t, beta)
	mustSucceed(t, f.run(t, "linkerd"))
	f.wantReleasesDeployed(t)
	wantUnchanged(t, f.run(t, "linkerd"))
}

// runWatching runs the binary as run does and hands each line of its
// stderr to onLine as it comes.
func (f *labFlow) runWatching(t *testing.T, command string, onLine func(string)) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), flowCommandTimeout)
	defer cancel()
	cmd := f.command(ctx, command)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, errOut strings.Builder
	cmd.Stdout = &stdout
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		errOut.WriteString(sc.Text() + "\n")
		onLine(sc.Text())
	}
	err = cmd.Wait()
	r := runResult{args: cmd.Args[1:], stdout: stdout.String(), stderr: errOut.String(), took: time.Since(start)}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		r.code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("localcluster %s: exit %d in %s\n%s%s", strings.Join(r.args, " "), r.code, r.took.Round(100*time.Millisecond), r.stdout, r.stderr)
	return r
}
