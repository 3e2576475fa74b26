//go:build unix

package certs

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestFileModes(t *testing.T) {
	// Directories are made with 0755, less the umask; files get exact modes.
	umask := syscall.Umask(0)
	syscall.Umask(umask)
	wantDir := fs.ModeDir | (0o755 &^ fs.FileMode(umask))

	opts := newLab(t, "smiley")
	mustEnsure(t, opts)
	opts.Force = true // replacing must keep the modes too
	mustEnsure(t, opts)
	dir := opts.Clusters[0].Dir
	tests := []struct {
		path string
		want fs.FileMode
	}{
		{filepath.Join(opts.TrustDir, "root.key"), 0o600},
		{filepath.Join(dir, "issuer.key"), 0o600},
		{filepath.Join(opts.TrustDir, "root.crt"), 0o644},
		{filepath.Join(dir, "issuer.crt"), 0o644},
		{opts.TrustDir, wantDir},
		{dir, wantDir},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			info, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode() != tt.want {
				t.Errorf("%s mode = %v, want %v", tt.path, info.Mode(), tt.want)
			}
		})
	}
}

func TestNoTemporaryFilesLeft(t *testing.T) {
	opts := newLab(t, "smiley")
	mustEnsure(t, opts)
	opts.NewAnchor = true
	mustEnsure(t, opts)
	for rel := range snapshot(t, labRoot(opts)) {
		if strings.Contains(rel, ".tmp") {
			t.Errorf("left behind: %s", rel)
		}
	}
}

// TestWriteFailure blocks one of the renames with a non-empty directory
// (which stops root too): no temporary file may be left, and a file whose
// rename never came must keep its old content.
func TestWriteFailure(t *testing.T) {
	tests := []struct{ name, blocked, kept string }{
		{"key rename fails", "issuer.key", "issuer.crt"},
		{"certificate rename fails", "issuer.crt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, tt.blocked, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.kept != "" {
				write(t, filepath.Join(dir, tt.kept), []byte("old"))
			}
			err := writePair(filepath.Join(dir, "issuer.crt"), filepath.Join(dir, "issuer.key"), []byte("new"), []byte("new"))
			if err == nil {
				t.Fatal("writing over a non-empty directory succeeded")
			}
			if tt.kept != "" {
				if got := string(readFile(t, filepath.Join(dir, tt.kept))); got != "old" {
					t.Errorf("%s changed to %q", tt.kept, got)
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp") {
					t.Errorf("temporary file left: %s", e.Name())
				}
			}
			if len(entries) != 2 {
				t.Errorf("want only issuer.crt and issuer.key, found %v", entries)
			}
		})
	}
}
