package kubeconfig

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	missing1, missing2 := filepath.Join(dir, "missing1"), filepath.Join(dir, "missing2")
	for _, f := range []string{a, b, c} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	list := func(files ...string) string { return strings.Join(files, string(filepath.ListSeparator)) }
	tests := []struct {
		name, explicit, env, want string
	}{
		{"flag wins over KUBECONFIG", "/flag/config", list(a, b), "/flag/config"},
		{"default", "", "", "/home/u/.kube/config"},
		{"one file, even if missing", "", missing1, missing1},
		{"several files: the first", "", list(a, b, c), a},
		{"several files: the first that exists", "", list(missing1, b, c), b},
		{"none exists: the last, as kubectl", "", list(missing1, missing2), missing2},
		{"empty entries and duplicates skipped", "", list("", a, a, ""), a},
		{"only separators", "", list("", ""), "/home/u/.kube/config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) string {
				if k == "KUBECONFIG" {
					return tt.env
				}
				return ""
			}
			if got := Path(tt.explicit, env, "/home/u"); got != tt.want {
				t.Errorf("Path = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMergeWithSeveralKubeconfigFiles(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	writeFile(t, first, "testdata/user.yaml", 0o600)
	writeFile(t, second, "testdata/k3d-y.yaml", 0o600)
	secondBefore, err := os.ReadFile(second)
	if err != nil {
		t.Fatal(err)
	}
	env := func(string) string { return first + string(filepath.ListSeparator) + second }

	path := Path("", env, dir)
	if _, err := Merge(path, entryFor(t, "kind", "x", 2)); err != nil {
		t.Fatal(err)
	}

	assertLab(t, mustLoad(t, first), "x", "https://192.168.155.2:6443")
	if after, _ := os.ReadFile(second); !bytes.Equal(secondBefore, after) {
		t.Error("the second KUBECONFIG file was changed")
	}
	if _, err := os.Stat(filepath.Join(dir, ".kube")); !os.IsNotExist(err) {
		t.Errorf("wrote under home despite KUBECONFIG: %v", err)
	}
}
