package golden

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	tests := []struct{ want, got, diff string }{
		{"a\nb\n", "a\nc\n", "first difference at line 2 (want 3 lines, got 3):\n- b\n+ c"},
		{"a\n", "a\nb\n", "first difference at line 2 (want 2 lines, got 3):\n- \n+ b"},
		{"same", "same", "no difference"},
	}
	for _, tt := range tests {
		if got := Diff(tt.want, tt.got); got != tt.diff {
			t.Errorf("Diff(%q, %q) =\n%s\nwant\n%s", tt.want, tt.got, got, tt.diff)
		}
	}
}

// TestHelperAssert is run by the tests below in a child process, with
// GOLDEN_FILE naming the file to compare "new output\n" with.
func TestHelperAssert(t *testing.T) {
	path := os.Getenv("GOLDEN_FILE")
	if path == "" {
		t.Skip("run by TestUpdateRefusedInCI in a child process")
	}
	AssertString(t, path, "new output\n")
}

// child runs TestHelperAssert with args and CI as given, and returns its
// output and whether it passed.
func child(t *testing.T, path, ci string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run", "^TestHelperAssert$"}, args...)...)
	cmd.Env = append(os.Environ(), "GOLDEN_FILE="+path, "CI="+ci)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// In CI, -update fails the test and leaves the golden file alone; without
// CI it rewrites it; without -update a difference fails the test.
func TestUpdateRefusedInCI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("old output\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	out, ok := child(t, path, "true", "-update")
	if ok || !strings.Contains(out, "-update is refused when CI is set") || read() != "old output\n" {
		t.Errorf("CI=true -update: passed=%v file=%q\n%s", ok, read(), out)
	}
	out, ok = child(t, path, "")
	if ok || !strings.Contains(out, "first difference at line 1") {
		t.Errorf("without -update: passed=%v\n%s", ok, out)
	}
	out, ok = child(t, path, "", "-update")
	if !ok || read() != "new output\n" {
		t.Errorf("-update outside CI: passed=%v file=%q\n%s", ok, read(), out)
	}
	if out, ok := child(t, path, "true"); !ok {
		t.Errorf("CI=true with a matching file failed:\n%s", out)
	}
}
