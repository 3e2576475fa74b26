//go:build unix

package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fullPipe is a pipe whose buffer the test has filled: a process given
// its write end as stderr blocks on its first write there until the test
// reads. localcluster's first write to stderr is the first step's start
// line, after it took the lab lock, so the process holds the lock and
// waits, for as long as the test likes, without any hook in the product.
func fullPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close(); _ = w.Close() })
	fd := int(w.Fd()) // Fd puts the file in blocking mode: call it once
	if err := syscall.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{'.'}, 4096)
	for {
		if _, err := syscall.Write(fd, chunk); err != nil {
			if errors.Is(err, syscall.EAGAIN) {
				break
			}
			t.Fatal(err)
		}
	}
	for {
		if _, err := syscall.Write(fd, chunk[:1]); err != nil {
			break // full to the last byte
		}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		t.Fatal(err)
	}
	return r, w
}

// Two real processes on one lab: while one holds the lab's lock the other
// is refused with exit 3, naming the holder's pid and command, and changes
// nothing; a dry-run is not refused; once the holder is killed with
// SIGKILL the stale lock file blocks nothing and the next run proceeds
// and leaves no lock file. certs is the command: it changes the lab's
// files and needs no Docker.
func TestBinaryLabLock(t *testing.T) {
	bin := binary(t)
	work, runtime := t.TempDir(), t.TempDir()
	copyTree(t, "../../clusters/east-west", filepath.Join(work, "lab"))
	env := append(os.Environ(), "HOME="+work, "KUBECONFIG=", "XDG_RUNTIME_DIR="+runtime,
		"DOCKER_HOST=unix:///nonexistent/docker.sock")
	run := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		var exitErr *exec.ExitError
		switch {
		case errors.As(err, &exitErr):
			return string(out), exitErr.ExitCode()
		case err != nil:
			t.Fatal(err)
		}
		return string(out), 0
	}

	_, w := fullPipe(t)
	holder := exec.Command(bin, "certs", "lab")
	holder.Dir, holder.Env, holder.Stderr = work, env, w
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = holder.Process.Kill(); _ = holder.Wait() })
	lockDir := filepath.Join(runtime, "localcluster")
	lockFile := waitLockFile(t, lockDir, holder.Process.Pid)

	before := snapshotTree(t, filepath.Join(work, "lab"))
	out, code := run("certs", "lab")
	want := fmt.Sprintf(`error: another localcluster (pid %d, "localcluster certs lab") is working on this lab (network "kind"); wait for it to finish, or stop it`, holder.Process.Pid)
	if code != ExitLabBusy || strings.TrimSpace(out) != want {
		t.Errorf("second certs while the first holds the lab: exit %d, output\n%s\nwant exit %d and\n%s", code, out, ExitLabBusy, want)
	}
	if _, code := run("certs", "--dryrun", "lab"); code != 0 {
		t.Errorf("a dry-run while the lab is locked: exit %d, want 0 (it takes no lock)", code)
	}
	assertSameTree(t, "lab", before, snapshotTree(t, filepath.Join(work, "lab")))

	if err := holder.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	if _, err := os.Stat(lockFile); err != nil {
		t.Fatalf("the killed holder's lock file should remain (nothing removes it): %v", err)
	}
	if out, code := run("certs", "lab"); code != 0 {
		t.Fatalf("certs after the holder was killed: exit %d\n%s", code, out)
	}
	if entries, _ := os.ReadDir(lockDir); len(entries) != 0 {
		t.Errorf("lock files left after a finished run: %v", entries)
	}
}

// waitLockFile waits until a lock file in dir names pid, and returns it.
func waitLockFile(t *testing.T, dir string, pid int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			path := filepath.Join(dir, e.Name())
			if b, err := os.ReadFile(path); err == nil && strings.HasPrefix(string(b), fmt.Sprintf("%d\n", pid)) {
				return path
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no lock file in %s names pid %d after 30s", dir, pid)
	return ""
}

// A kubeconfig cut off in the middle (an editor or a process killed while
// writing it without localcluster's atomic rename) is refused before
// anything runs by every command that writes it: exit 2, a message naming
// the file, why, and what to do, and the file and its directory as they
// were.
func TestBinaryCorruptedKubeconfig(t *testing.T) {
	bin := binary(t)
	work := t.TempDir()
	copyTree(t, "../../clusters/east-west", filepath.Join(work, "lab"))
	kube := filepath.Join(work, "kube", "config")
	if err := os.MkdirAll(filepath.Dir(kube), 0o700); err != nil {
		t.Fatal(err)
	}
	whole := []byte(flowUserKubeconfig)
	cut := whole[:bytes.Index(whole, []byte("contexts:"))+len("contexts:\n- context:\n    cluster: pr")]
	cut = append(cut, []byte("\n  name: [prod\n")...)
	if err := os.WriteFile(kube, cut, 0o600); err != nil {
		t.Fatal(err)
	}
	before := snapshotTree(t, filepath.Dir(kube))
	for _, command := range []string{"create", "start", "up", "delete", "down"} {
		cmd := exec.Command(bin, command, "lab")
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "HOME="+work, "KUBECONFIG="+kube, "XDG_RUNTIME_DIR="+filepath.Join(work, "run"),
			"DOCKER_HOST=unix:///nonexistent/docker.sock")
		out, err := cmd.CombinedOutput()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
			t.Errorf("%s with a corrupted kubeconfig: %v, want exit 2\n%s", command, err, out)
		}
		for _, want := range []string{kube + " (from $KUBECONFIG): " + kube + " is not a valid kubeconfig, so it is left alone: ", "repair it", "--kubeconfig"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: output lacks %q:\n%s", command, want, out)
			}
		}
		if strings.Contains(string(out), "• ") {
			t.Errorf("%s ran steps:\n%s", command, out)
		}
	}
	assertSameTree(t, "kubeconfig directory", before, snapshotTree(t, filepath.Dir(kube)))
}
