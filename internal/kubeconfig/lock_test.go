package kubeconfig

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStaleLockTimesOut(t *testing.T) {
	tests := []struct {
		name string
		// prep returns the path to pass and the lock file to leave behind.
		prep func(t *testing.T, dir string) (path, lock string)
		run  func(o Options, path string) (bool, error)
	}{
		{"merge, kubectl's lock on the file", func(t *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "config")
			writeFile(t, p, "testdata/user.yaml", 0o600)
			return p, p + ".lock"
		}, func(o Options, p string) (bool, error) { return o.Merge(p, entryFor(t, "kind", "x", 2)) }},
		{"remove, kubectl's lock on the file", func(t *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "config")
			writeFile(t, p, "testdata/user.yaml", 0o600)
			return p, p + ".lock"
		}, func(o Options, p string) (bool, error) { return o.Remove(p, "home", testAliases("home")...) }},
		{"merge into a new file", func(_ *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "config")
			return p, p + ".lock"
		}, func(o Options, p string) (bool, error) { return o.Merge(p, entryFor(t, "kind", "x", 2)) }},
		{"merge through a symlink, lock on the link's name", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "target")
			writeFile(t, target, "testdata/user.yaml", 0o600)
			link := filepath.Join(dir, "config")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			return link, link + ".lock"
		}, func(o Options, p string) (bool, error) { return o.Merge(p, entryFor(t, "kind", "x", 2)) }},
		{"merge through a symlink, lock on the target name", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "target")
			writeFile(t, target, "testdata/user.yaml", 0o600)
			link := filepath.Join(dir, "config")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			return link, target + ".lock"
		}, func(o Options, p string) (bool, error) { return o.Merge(p, entryFor(t, "kind", "x", 2)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, lock := tt.prep(t, t.TempDir())
			if err := os.WriteFile(lock, nil, 0); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(path)
			const timeout = 150 * time.Millisecond
			start := time.Now()

			changed, err := tt.run(Options{LockTimeout: timeout}, path)

			if waited := time.Since(start); waited < timeout {
				t.Errorf("gave up after %v, before the %v timeout", waited, timeout)
			}
			var lockErr *LockError
			if changed || !errors.As(err, &lockErr) || lockErr.Lock != lock {
				t.Fatalf("got %v, %v; want a LockError for %s", changed, err, lock)
			}
			for _, want := range []string{lock, "remove " + lock, "kubectl, kind or localcluster"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("file changed while locked")
			}
			if _, err := os.Stat(lock); err != nil {
				t.Errorf("someone else's lock was removed: %v", err)
			}
		})
	}
}

func TestLockIsWaitedFor(t *testing.T) {
	path := copyFixture(t, "user.yaml")
	lock := path + ".lock"
	if err := os.WriteFile(lock, nil, 0); err != nil {
		t.Fatal(err)
	}
	const held = 200 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		time.Sleep(held)
		done <- os.Remove(lock)
	}()
	start := time.Now()
	changed, err := Options{LockTimeout: 10 * time.Second}.Merge(path, entryFor(t, "kind", "x", 2))
	if err != nil || !changed {
		t.Fatalf("Merge = %v, %v; want true, nil", changed, err)
	}
	if waited := time.Since(start); waited < held {
		t.Errorf("merged after %v while the lock was held for %v", waited, held)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	assertLab(t, mustLoad(t, path), "x", "https://192.168.155.2:6443")
	assertNoLeftovers(t, filepath.Dir(path))
}

// TestKubectlHonoursOurLock runs the real kubectl, if there is one, to show
// that it and localcluster use the same lock file.
func TestKubectlHonoursOurLock(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed")
	}
	path := copyFixture(t, "user.yaml")
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	target, err := resolve(abs)
	if err != nil {
		t.Fatal(err)
	}
	release, err := acquireLocks(lockTargets(abs, target), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	setContext := func() ([]byte, error) {
		return exec.Command(kubectl, "config", "set-context", "from-kubectl", "--cluster=home-lab",
			"--kubeconfig="+path).CombinedOutput()
	}
	out, err := setContext()
	if err == nil || !strings.Contains(string(out), ".lock") {
		t.Errorf("kubectl wrote while we held the lock: %v: %s", err, out)
	}
	release()
	if out, err := setContext(); err != nil {
		t.Fatalf("kubectl after release: %v: %s", err, out)
	}
	if _, err := Merge(path, entryFor(t, "kind", "x", 2)); err != nil {
		t.Fatal(err)
	}
	cfg := mustLoad(t, path)
	if c := cfg.Contexts["from-kubectl"]; c == nil || c.Cluster != "home-lab" {
		t.Errorf("kubectl's context lost: %+v", c)
	}
	assertLab(t, cfg, "x", "https://192.168.155.2:6443")
}
