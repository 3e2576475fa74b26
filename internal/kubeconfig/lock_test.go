package kubeconfig

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
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

// A lock left by a localcluster that was killed while writing (its pid in
// the file, no such process) is removed and the write goes through at
// once; a lock naming a living process is waited for, as kubectl's are.
func TestDeadHoldersLockIsRecovered(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid // exited and reaped: no such process now
	path := copyFixture(t, "user.yaml")
	lock := path + ".lock"
	if err := os.WriteFile(lock, []byte(strconv.Itoa(dead)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := Options{LockTimeout: 200 * time.Millisecond}.Merge(path, entryFor(t, "kind", "x", 2))
	if err != nil || !changed {
		t.Fatalf("Merge over a dead holder's lock = %v, %v; want true, nil", changed, err)
	}
	assertNoLeftovers(t, filepath.Dir(path))

	if err := os.WriteFile(lock, []byte(strconv.Itoa(os.Getppid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Options{LockTimeout: 200 * time.Millisecond}.Merge(path, entryFor(t, "kind", "y", 3))
	var lockErr *LockError
	if !errors.As(err, &lockErr) || lockErr.PID != os.Getppid() {
		t.Errorf("Merge while a living process holds the lock: %v, want a LockError naming pid %d", err, os.Getppid())
	}
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("a living holder's lock was removed: %v", err)
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

// TestKubectlHonoursOurLock runs, in this process, the code kubectl runs
// for "kubectl config set-context" (client-go's clientcmd.ModifyConfig with
// the --kubeconfig path), to show that it and localcluster use the same
// lock file: while localcluster holds it kubectl refuses to write, and
// afterwards neither loses the other's entries.
func TestKubectlHonoursOurLock(t *testing.T) {
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
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !clientcmd.UseModifyConfigLock {
		t.Fatal("client-go no longer locks kubeconfig files by default; this test and the lock interplay need revisiting")
	}
	err = kubectlSetContext(path, "from-kubectl", "home-lab")
	if err == nil || !strings.Contains(err.Error(), ".lock") {
		t.Errorf("kubectl's code wrote while we held the lock: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("the kubeconfig changed while we held the lock")
	}
	release()
	if err := kubectlSetContext(path, "from-kubectl", "home-lab"); err != nil {
		t.Fatalf("kubectl's code after release: %v", err)
	}
	if _, err := Merge(path, entryFor(t, "kind", "x", 2)); err != nil {
		t.Fatal(err)
	}
	cfg := mustLoad(t, path)
	if c := cfg.Contexts["from-kubectl"]; c == nil || c.Cluster != "home-lab" {
		t.Errorf("kubectl's context lost: %+v", c)
	}
	assertLab(t, cfg, "x", "https://192.168.155.2:6443")
	if err := kubectlSetContext(path, "after-merge", "x"); err != nil {
		t.Fatal(err)
	}
	cfg = mustLoad(t, path)
	if cfg.Contexts["after-merge"] == nil {
		t.Errorf("kubectl's second context lost")
	}
	assertLab(t, cfg, "x", "https://192.168.155.2:6443")
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("a lock file was left behind: %v", err)
	}
}

// kubectlSetContext does what "kubectl config set-context NAME
// --cluster=CLUSTER --kubeconfig=PATH" does, through the same client-go
// calls.
func kubectlSetContext(path, name, cluster string) error {
	access := clientcmd.NewDefaultPathOptions()
	access.LoadingRules.ExplicitPath = path
	cfg, err := access.GetStartingConfig()
	if err != nil {
		return err
	}
	ctx := clientcmdapi.NewContext()
	ctx.Cluster = cluster
	cfg.Contexts[name] = ctx
	return clientcmd.ModifyConfig(access, *cfg, true)
}
