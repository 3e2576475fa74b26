// Package golden compares test output with the golden files in testdata
// and, under -update, rewrites them. -update is refused when the
// environment variable CI is set: a suite must not bless its own
// regressions, so golden files change only on a developer's machine, where
// someone reads the diff before committing it.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output (refused when CI is set)")

// Updating reports whether the golden files are to be rewritten. It fails
// the test when that is asked for in CI.
func Updating(t testing.TB) bool {
	t.Helper()
	if *update && os.Getenv("CI") != "" {
		t.Fatal("-update is refused when CI is set: golden files are rewritten on a developer's machine, where the diff is read before it is committed")
	}
	return *update
}

// Assert compares got with the file at path, or writes it there under
// -update.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	if Updating(t) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it; read it before committing it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s: %s\n(if the change is intended, go test -update rewrites the file: read its git diff before committing it)",
			path, Diff(string(want), string(got)))
	}
}

// AssertString is Assert for text.
func AssertString(t testing.TB, path, got string) {
	t.Helper()
	Assert(t, path, []byte(got))
}

// Diff describes the first line where got differs from want, with the
// line counts, which is enough to find the rest with git diff.
func Diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("first difference at line %d (want %d lines, got %d):\n- %s\n+ %s", i+1, len(w), len(g), wl, gl)
		}
	}
	return "no difference"
}
