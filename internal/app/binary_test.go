package app

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binPath   string
	errBuild  error
)

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// binary builds the localcluster command once per test run.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "localcluster-bin-")
		if err != nil {
			errBuild = err
			return
		}
		binPath = filepath.Join(dir, "localcluster")
		out, err := exec.Command("go", "build", "-o", binPath, "../../localcluster").CombinedOutput()
		if err != nil {
			errBuild = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if errBuild != nil {
		t.Fatal(errBuild)
	}
	return binPath
}

// snapshotTree records every file's path, mode and content under root.
func snapshotTree(t *testing.T, root string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		entry := fmt.Sprintf("%v %s", info.Mode(), info.ModTime())
		if !d.IsDir() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			entry += fmt.Sprintf(" %x", sha256.Sum256(data))
		}
		snap[path] = entry
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func makeReadOnly(t *testing.T, root string) {
	t.Helper()
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil {
			mode := os.FileMode(0o444)
			if d.IsDir() {
				mode = 0o555
			}
			_ = os.Chmod(path, mode)
		}
		return nil
	})
	t.Cleanup(func() {
		_ = filepath.WalkDir(root, func(path string, _ fs.DirEntry, _ error) error {
			_ = os.Chmod(path, 0o755)
			return nil
		})
	})
}

// A user runs every dry-run with no Docker daemon, from a read-only copy of
// the labs: each succeeds and no file anywhere under the work directory or
// HOME changes (root ignores the read-only bits, so the snapshot is what
// proves it).
func TestBinaryDryRunTouchesNothing(t *testing.T) {
	bin := binary(t)
	work := t.TempDir()
	home := t.TempDir()
	copyTree(t, "../../clusters", filepath.Join(work, "clusters"))
	makeReadOnly(t, work)
	beforeWork, beforeHome := snapshotTree(t, work), snapshotTree(t, home)
	for _, args := range [][]string{
		{"create", "--dryrun", "clusters", "smiley"},
		{"create", "--dryrun", "clusters"},
		{"create", "--dryrun", "--force", "clusters/workshop"},
		{"route", "--dryrun", "clusters/workshop"},
		{"lb", "--dryrun", "clusters/workshop"},
		{"certs", "--dryrun", "--force", "clusters"},
		{"certs", "--dryrun", "--new-anchor", "clusters"},
		{"linkerd", "--dryrun", "clusters/workshop", "smiley"},
		{"multicluster", "--dryrun", "clusters/workshop"},
		{"group", "--dryrun", "clusters/workshop", "smiley"},
		{"link", "--src", "cdn", "--dst", "faces", "--dryrun", "clusters"},
		{"unlink", "--src", "cdn", "--dst", "faces", "--dryrun", "clusters"},
		{"delete", "--dryrun", "clusters", "faces", "color"},
		{"delete", "--dryrun", "."},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/docker.sock", "HOME="+home, "KUBECONFIG=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%v: %v\n%s", args, err, out)
			continue
		}
		if !strings.Contains(string(out), "nothing was changed") {
			t.Errorf("%v: no dry-run header:\n%s", args, out)
		}
	}
	afterWork, afterHome := snapshotTree(t, work), snapshotTree(t, home)
	assertSameTree(t, "work directory", beforeWork, afterWork)
	assertSameTree(t, "HOME", beforeHome, afterHome)
}

func assertSameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for path, b := range before {
		if a, ok := after[path]; !ok {
			t.Errorf("%s: %s was removed", what, path)
		} else if a != b {
			t.Errorf("%s: %s changed", what, path)
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			t.Errorf("%s: %s was created", what, path)
		}
	}
}

// A real create with no Docker daemon says so clearly, exits 1 and leaves
// no kubeconfig, certificates or other file behind.
func TestBinaryCreateWithoutDocker(t *testing.T) {
	bin := binary(t)
	work, home := t.TempDir(), t.TempDir()
	copyTree(t, "../../clusters/east-west", filepath.Join(work, "lab"))
	before := snapshotTree(t, work)
	cmd := exec.Command(bin, "create", "lab")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/docker.sock", "HOME="+home, "KUBECONFIG=")
	out, err := cmd.CombinedOutput()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != 1 {
		t.Fatalf("err = %v, want exit 1\n%s", err, out)
	}
	for _, want := range []string{"cannot reach Docker", "is Docker running?", "skipped"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	assertSameTree(t, "work directory", before, snapshotTree(t, work))
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("HOME got %v", entries)
	}
}

// A broken definition is refused with every problem, exit 2, and nothing
// is printed as a plan.
func TestBinaryBrokenDefinition(t *testing.T) {
	bin := binary(t)
	work := t.TempDir()
	dir := filepath.Join(work, "lab", "bad")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bad := "kind: SMA-cluster\napiVersion: sma.buoyant.io/v1alpha1\nmetadata:\n  name: Bad_Name\nspec:\n  subnet: 5G/5\n  provider: minikube\n"
	if err := os.WriteFile(filepath.Join(dir, "sma.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "create", "--dryrun", "lab")
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != 2 {
		t.Fatalf("err = %v, want exit 2\n%s", err, out)
	}
	for _, want := range []string{"lab/bad/sma.yaml:4:", "lab/bad/sma.yaml:6:", "lab/bad/sma.yaml:7:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "kind create") {
		t.Errorf("a plan was printed:\n%s", out)
	}
}
