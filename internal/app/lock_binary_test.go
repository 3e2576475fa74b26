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
