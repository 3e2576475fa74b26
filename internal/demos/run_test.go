//go:build e2e

package demos

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunner runs a small workshop that needs nothing but a shell: the
// setup script runs first, assignments and functions carry over to later
// commands, cd moves the commands after it, and the first failure stops
// the run.
func TestRunner(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "testdata/run", dir)
	var out bytes.Buffer
	r := &Runner{Bin: t.TempDir(), Out: &out}
	err := r.RunDir(t.Context(), dir)
	if err == nil || !strings.Contains(err.Error(), "README.md:23") {
		t.Fatalf("got %v, want the failure of `false` at README.md:23\n%s", err, out.String())
	}
	for file, want := range map[string]string{"setup.out": "setup ran\n", "run.out": "hello!\n"} {
		got, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", file, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "never.out")); err == nil {
		t.Errorf("the command after the failure ran")
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
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
		info, _ := d.Info()
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
