//go:build e2e

package demos

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestWorkshopsRun runs every workshop for real, in order: its setup
// script, then every command of its README.md as demosh would. It needs
// Docker and the internet (node images, Linkerd's charts and images, the
// Faces images), so it only runs with -tags e2e on such a machine.
func TestWorkshopsRun(t *testing.T) {
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "localcluster"), "../../localcluster").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dirs, err := Workshops("../../demos")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			labs, err := LabDirs(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				for _, lab := range labs {
					cmd := exec.Command(filepath.Join(bin, "localcluster"), "delete", lab)
					cmd.Dir = dir
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Errorf("tear down %s: %v\n%s", lab, err, out)
					}
				}
			})
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Minute)
			defer cancel()
			r := &Runner{Bin: bin, Out: os.Stdout}
			if err := r.RunDir(ctx, dir); err != nil {
				t.Fatal(err)
			}
		})
	}
}
