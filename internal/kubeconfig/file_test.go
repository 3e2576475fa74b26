package kubeconfig

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestMergeFileHandling(t *testing.T) {
	tests := []struct {
		name string
		// prep makes the set-up in dir and returns the path to pass and the
		// file that must receive the entry.
		prep     func(t *testing.T, dir string) (path, target string)
		wantMode os.FileMode
	}{
		{"creates file and directories", func(_ *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "home", ".kube", "config")
			return p, p
		}, 0o600},
		{"keeps an existing file's mode", func(t *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "config")
			writeFile(t, p, "testdata/user.yaml", 0o640)
			return p, p
		}, 0o640},
		{"writes through a symlink", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "dotfiles", "kubeconfig")
			writeFile(t, target, "testdata/user.yaml", 0o600)
			link := filepath.Join(dir, "config")
			if err := os.Symlink(filepath.Join("dotfiles", "kubeconfig"), link); err != nil {
				t.Fatal(err)
			}
			return link, target
		}, 0o600},
		{"creates the target of a dangling symlink", func(t *testing.T, dir string) (string, string) {
			link := filepath.Join(dir, "config")
			if err := os.Symlink(filepath.Join(dir, "elsewhere", "kubeconfig"), link); err != nil {
				t.Fatal(err)
			}
			return link, filepath.Join(dir, "elsewhere", "kubeconfig")
		}, 0o600},
		{"through a symlinked directory", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "data", "kube", "config")
			writeFile(t, target, "testdata/user.yaml", 0o600)
			if err := os.Symlink(filepath.Join(dir, "data", "kube"), filepath.Join(dir, ".kube")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, ".kube", "config"), target
		}, 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path, target := tt.prep(t, dir)
			linkBefore, _ := os.Lstat(path)

			if _, err := (Options{LockTimeout: time.Second}).Merge(path, entryFor(t, "kind", "x", 2)); err != nil {
				t.Fatal(err)
			}

			assertLab(t, mustLoad(t, target), "x", "https://192.168.155.2:6443")
			fi, err := os.Stat(target)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.wantMode {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), tt.wantMode)
			}
			if linkBefore != nil && linkBefore.Mode()&os.ModeSymlink != 0 {
				if l, err := os.Lstat(path); err != nil || l.Mode()&os.ModeSymlink == 0 {
					t.Errorf("%s is no longer a symlink", path)
				}
			}
			for _, d := range []string{filepath.Dir(path), filepath.Dir(target)} {
				assertNoLeftovers(t, d)
			}
		})
	}
}

func writeFile(t *testing.T, path, fixture string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask may have cut it
		t.Fatal(err)
	}
}

func TestRemoveMissingFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing-here")
	path := filepath.Join(dir, "config")
	changed, err := Remove(path, "x", testAliases("x")...)
	if err != nil || changed {
		t.Fatalf("Remove = %v, %v; want false, nil", changed, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Remove created %s (stat: %v)", dir, err)
	}
}
