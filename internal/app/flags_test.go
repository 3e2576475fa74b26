package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad global flags are refused before the lab is loaded, in dry-run too,
// with exit code 2, and nothing is written.
func TestGlobalFlagsRefusedUpFront(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "a-dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  string // KUBECONFIG
		want string
	}{
		{"parallel zero", []string{"--parallel", "0"}, "",
			"--parallel 0: want 1 or more (how many steps may run at once)"},
		{"parallel negative", []string{"--parallel=-3"}, "",
			"--parallel -3: want 1 or more (how many steps may run at once)"},
		{"trust dir is a file", []string{"--trust-dir", file}, "",
			"--trust-dir " + file + " is a file, not a directory; give the directory that holds (or will hold) root.crt and root.key"},
		{"trust dir below a file", []string{"--trust-dir", file + "/certs"}, "",
			"--trust-dir cannot be created: " + file + " is a file, not a directory"},
		{"trust dir empty", []string{"--trust-dir="}, "",
			"--trust-dir is empty; give the directory for the trust anchor, e.g. ./certs"},
		{"kubeconfig is a directory", []string{"--kubeconfig", dir}, "",
			"--kubeconfig " + dir + " is a directory; the kubeconfig must be a file: give a file name such as " + dir + "/config"},
		{"kubeconfig below a file", []string{"--kubeconfig", file + "/config"}, "",
			"--kubeconfig " + file + "/config cannot be created: " + file + " is a file, not a directory"},
		{"KUBECONFIG is a directory", nil, dir,
			dir + " (from $KUBECONFIG) is a directory; the kubeconfig must be a file"},
		{"KUBECONFIG lists a directory", nil, file + ":" + dir,
			"$KUBECONFIG lists " + dir + ", which is not a file; remove it from the list"},
		{"all at once", []string{"--parallel", "0", "--trust-dir", file}, "",
			"--parallel 0: want 1 or more (how many steps may run at once)\n--trust-dir " + file + " is a file"},
	}
	for _, tt := range tests {
		for _, cmd := range [][]string{{"create", "--dryrun"}, {"certs", "--dryrun"}, {"certs"}, {"info"}} {
			t.Run(tt.name+"/"+strings.Join(cmd, " "), func(t *testing.T) {
				args := append(append(append([]string{}, cmd...), tt.args...), "clusters/east-west")
				t.Setenv("KUBECONFIG", tt.env)
				stdout, _, err := runKeepingEnv(t, args...)
				if err == nil {
					t.Fatalf("succeeded; want a usage error\n%s", stdout)
				}
				if got := ExitCode(err); got != 2 {
					t.Errorf("exit code %d, want 2: %v", got, err)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, tt.want)
				}
				if stdout != "" {
					t.Errorf("printed a plan before refusing:\n%s", stdout)
				}
			})
		}
	}
	entries, err := os.ReadDir(tmp)
	if err != nil || len(entries) != 2 {
		t.Errorf("something was written beside the test files: %v %v", entries, err)
	}
}

// Good values pass: a trust dir to be made under a new directory, a
// kubeconfig to be made, --parallel 1.
func TestGlobalFlagsAccepted(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("KUBECONFIG", "")
	_, _, err := runKeepingEnv(t, "create", "--dryrun", "--parallel", "1",
		"--trust-dir", filepath.Join(tmp, "new/certs"), "--kubeconfig", filepath.Join(tmp, "kube/config"), "clusters/east-west")
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("dry-run wrote %v", entries)
	}
}

// runKeepingEnv is run without Docker that leaves $KUBECONFIG as the test
// set it.
func runKeepingEnv(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	kc := os.Getenv("KUBECONFIG")
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	if _, err := os.Stat("app.go"); err == nil {
		t.Chdir("../..")
	}
	t.Setenv("HOME", t.TempDir())
	var out, errOut bytes.Buffer
	t.Setenv("KUBECONFIG", kc)
	err = Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args)
	return out.String(), errOut.String(), err
}

// Without a home directory the default kubeconfig would land in
// ".kube/config" under the working directory: refused, saying what to set.
func TestKubeconfigWithoutHome(t *testing.T) {
	t.Setenv("HOME", "")
	env := func(string) string { return "" }
	want := "cannot find the default kubeconfig ~/.kube/config: $HOME is not defined; set HOME, or give the file with --kubeconfig or $KUBECONFIG"
	if got := checkKubeconfigFlag("", env); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := checkKubeconfigFlag(filepath.Join(t.TempDir(), "config"), env); got != "" {
		t.Errorf("with --kubeconfig: %q", got)
	}
}

// An interrupt while the lab is loading ends the command at once, as
// interrupted (exit 130), before anything is planned or printed.
func TestInterruptedWhileLoading(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	t.Setenv("HOME", t.TempDir())
	t.Chdir("../..")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	err := Run(ctx, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, []string{"create", "--dryrun", "clusters/workshop"})
	if got := ExitCode(err); got != 130 {
		t.Errorf("exit code %d (%v), want 130", got, err)
	}
	if out.Len() != 0 {
		t.Errorf("printed a plan:\n%s", out.String())
	}
}

// A read-only kubeconfig is refused up front, in dry-run too.
func TestReadOnlyKubeconfigRefusedUpFront(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte("apiVersion: v1\nkind: Config\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", "")
	_, _, err := runKeepingEnv(t, "create", "--dryrun", "--kubeconfig", path, "clusters/east-west")
	want := "--kubeconfig " + path + ": " + path + " is read-only (mode -r--r--r--), so it is left alone"
	if ExitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v (exit %d); want exit 2 and %q", err, ExitCode(err), want)
	}
}
