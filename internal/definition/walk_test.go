package definition

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeCluster writes a minimal valid sma.yaml for name into dir.
func writeCluster(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := "kind: SMA-cluster\napiVersion: sma.buoyant.io/v1alpha1\nmetadata:\n  name: " + name + "\nspec:\n  provider: kind\n"
	if err := os.WriteFile(filepath.Join(dir, "sma.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make symlinks here: %v", err)
	}
}

func files(lab *Lab) []string {
	var out []string
	for _, c := range lab.Clusters {
		out = append(out, c.Name+"="+c.File)
	}
	return out
}

func TestLoadWalk(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	writeCluster(t, "clusters/east", "east")
	writeCluster(t, "clusters/nested/deep/west", "west")
	writeCluster(t, "clusters/.git/objects", "in-git")       // hidden: skipped
	writeCluster(t, "clusters/east/.terraform/x", "hidden2") // hidden below a cluster
	writeCluster(t, "shared/north", "north")
	symlink(t, "..", "clusters/nested/loop")            // a loop back up
	symlink(t, "../shared", "clusters/shared")          // a linked directory
	symlink(t, "east", "clusters/east-again")           // the same cluster twice
	symlink(t, "/nonexistent/dir", "clusters/dangling") // ignored
	if err := os.WriteFile("clusters/nested/sma.yaml.bak", []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}

	lab, err := Load([]string{"clusters"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"east=clusters/east/sma.yaml",
		"north=clusters/shared/north/sma.yaml",
		"west=clusters/nested/deep/west/sma.yaml",
	}
	if got := files(lab); !reflect.DeepEqual(got, want) {
		t.Errorf("found %q\nwant %q", got, want)
	}
	if d := lab.Cluster("west").Dir; d != "clusters/nested/deep/west" {
		t.Errorf("west Dir = %q", d)
	}
}

func TestLoadOverlappingDirs(t *testing.T) {
	t.Chdir(t.TempDir())
	writeCluster(t, "clusters/east", "east")
	writeCluster(t, "clusters/west", "west")
	lab, err := Load([]string{"clusters", "clusters/east", "./clusters"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"east=clusters/east/sma.yaml", "west=clusters/west/sma.yaml"}
	if got := files(lab); !reflect.DeepEqual(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
}

func TestLoadAbsoluteAndDot(t *testing.T) {
	root := t.TempDir()
	writeCluster(t, filepath.Join(root, "east"), "east")
	lab, err := Load([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	if c := lab.Cluster("east"); c == nil || c.Dir != filepath.Join(root, "east") {
		t.Errorf("absolute: got %+v", lab.Clusters)
	}
	t.Chdir(filepath.Join(root, "east"))
	lab, err = Load([]string{"."})
	if err != nil {
		t.Fatal(err)
	}
	if c := lab.Cluster("east"); c == nil || c.Dir != "." || c.File != "sma.yaml" {
		t.Errorf("dot: got %+v", lab.Clusters)
	}
}

// A symlink cycle with no way out must end, and still report the
// directory as empty.
func TestLoadSymlinkCycle(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll("a/b", 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, "../../a", "a/b/up")
	_, err := Load([]string{"a"})
	if err == nil || !strings.Contains(err.Error(), "a: no sma.yaml found") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadMCValuesAndKubeconfig(t *testing.T) {
	t.Setenv("HOME", "/home/someone")
	t.Chdir(t.TempDir())
	writeCluster(t, "c/none", "none")
	writeCluster(t, "c/empty", "empty")
	if err := os.WriteFile("c/empty/mc-values.yaml", []byte("# nothing yet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ext := "kind: SMA-cluster\napiVersion: sma.buoyant.io/v1alpha1\nmetadata:\n  name: %s\nspec:\n  provider: external\n  context: ctx\n  kubeconfig: %s\n"
	for name, kc := range map[string]string{"home": "~/.kube/x", "rel": "kc/config", "abs": "/etc/kc"} {
		dir := filepath.Join("c", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "sma.yaml"), []byte(fmt.Sprintf(ext, name, kc)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lab, err := Load([]string{"c"})
	if err != nil {
		t.Fatal(err)
	}
	if c := lab.Cluster("none"); c.MCValues != nil || c.MCValuesFile != "" {
		t.Errorf("no mc-values.yaml: got %v %q", c.MCValues, c.MCValuesFile)
	}
	if c := lab.Cluster("empty"); c.MCValues == nil || len(c.MCValues) != 0 || c.MCValuesFile != "c/empty/mc-values.yaml" {
		t.Errorf("empty mc-values.yaml: got %#v %q", c.MCValues, c.MCValuesFile)
	}
	for name, want := range map[string]string{"home": "/home/someone/.kube/x", "rel": "c/rel/kc/config", "abs": "/etc/kc"} {
		if got := lab.Cluster(name).Kubeconfig; got != want {
			t.Errorf("%s: kubeconfig %q, want %q", name, got, want)
		}
	}
}
