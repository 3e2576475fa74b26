package definition

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/testenv/golden"
)

// Each case directory is the working directory of one run, so the paths in
// the output are the ones a user there would see. args.txt holds the
// directory argument as typed on the command line (default ".").
func caseArgs(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "args.txt"))
	if errors.Is(err, os.ErrNotExist) {
		return []string{"."}
	}
	if err != nil {
		t.Fatal(err)
	}
	return SplitDirs(strings.TrimSpace(string(data)))
}

func caseDirs(t *testing.T, pattern string) []string {
	t.Helper()
	dirs, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatalf("no test cases match %s", pattern)
	}
	for i, d := range dirs {
		if dirs[i], err = filepath.Abs(d); err != nil {
			t.Fatal(err)
		}
	}
	return dirs
}

func TestInvalid(t *testing.T) {
	t.Setenv("HOME", "/home/user")
	for _, dir := range caseDirs(t, "testdata/invalid/*") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Chdir(dir)
			lab, err := Load(caseArgs(t, "."))
			if err == nil {
				t.Fatalf("Load succeeded; want problems")
			}
			if lab != nil {
				t.Errorf("Load returned a lab along with problems")
			}
			var problems Problems
			if !errors.As(err, &problems) {
				t.Fatalf("error is %T, want Problems: %v", err, err)
			}
			for _, p := range problems {
				if p.Msg == "" {
					t.Errorf("problem without a message: %#v", p)
				}
			}
			golden.AssertString(t, "expected.txt", err.Error()+"\n")
		})
	}
}

// labView is how a loaded lab is written to the golden file: positions as
// "file:line:col" strings, so the file reads like the definitions.
type labView struct {
	Clusters     []clusterView     `json:"clusters"`
	Settings     Settings          `json:"settings"`
	SettingsFile string            `json:"settingsFile,omitempty"`
	SettingsPos  map[string]string `json:"settingsPos,omitempty"`
}

type clusterView struct {
	*Cluster
	Pos map[string]string `json:"pos"`
}

func viewOf(lab *Lab) labView {
	v := labView{Settings: lab.Settings, SettingsFile: lab.SettingsFile, SettingsPos: posStrings(lab.SettingsPos)}
	for _, c := range lab.Clusters {
		v.Clusters = append(v.Clusters, clusterView{Cluster: c, Pos: posStrings(c.Pos)})
	}
	return v
}

func posStrings(pos map[string]Pos) map[string]string {
	if len(pos) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, p := range pos {
		out[k] = p.String()
	}
	return out
}

func TestValid(t *testing.T) {
	t.Setenv("HOME", "/home/user")
	for _, dir := range caseDirs(t, "testdata/valid-*") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Chdir(dir)
			lab, err := Load(caseArgs(t, "."))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			data, err := json.MarshalIndent(viewOf(lab), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.AssertString(t, "expected.json", string(data)+"\n")
		})
	}
}

// TestValidFacts checks, independently of the golden files, the facts the
// older tool's files depend on.
func TestValidFacts(t *testing.T) {
	t.Setenv("HOME", "/home/user")
	t.Chdir("testdata/valid-workshop")
	lab, err := Load(SplitDirs("clusters"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		subnet         string
		v4, v6         bool
		provider, zone string
		group          string
	}{
		{name: "cdn", subnet: "01/1", v4: true, provider: "kind"},
		{name: "color", subnet: "CD/D", v4: true, provider: "k3d", group: "face", zone: "zone-west"},
		{name: "color-b", subnet: "CE/E", v4: true, provider: "k3d", group: "face", zone: "zone-west"},
		{name: "faces", subnet: "50/4", v4: true, provider: "kind", group: "face", zone: "zone-east"},
		{name: "smiley", subnet: "51/5", v4: true, provider: "kind", group: "face", zone: "zone-east"},
	}
	if got := len(lab.Clusters); got != len(tests) {
		t.Fatalf("got %d clusters, want %d", got, len(tests))
	}
	for i, tt := range tests {
		c := lab.Clusters[i]
		if c.Name != tt.name {
			t.Errorf("cluster %d is %q, want %q (sorted by name)", i, c.Name, tt.name)
			continue
		}
		if c.Subnet == nil || c.Subnet.String() != tt.subnet {
			t.Errorf("%s: subnet %v, want %s", c.Name, c.Subnet, tt.subnet)
		}
		if c.V4 != tt.v4 || c.V6 != tt.v6 || c.Provider != tt.provider || c.Zone != tt.zone || c.Group != tt.group {
			t.Errorf("%s: got v4=%v v6=%v provider=%q zone=%q group=%q", c.Name, c.V4, c.V6, c.Provider, c.Zone, c.Group)
		}
		if want := filepath.Join("clusters", tt.name); c.Dir != want || c.File != filepath.Join(want, "sma.yaml") {
			t.Errorf("%s: dir %q file %q, want %q", c.Name, c.Dir, c.File, want)
		}
	}
	smiley := lab.Cluster("smiley")
	if got := smiley.Pos["spec.subnet"].String(); got != "clusters/smiley/sma.yaml:10:11" {
		t.Errorf("smiley spec.subnet at %s", got)
	}
	if smiley.MCValues == nil || smiley.MCValuesFile != "clusters/smiley/mc-values.yaml" {
		t.Errorf("smiley mc-values not loaded: %v %q", smiley.MCValues, smiley.MCValuesFile)
	}
	if lab.Cluster("cdn").MCValues != nil {
		t.Errorf("cdn has no mc-values.yaml but MCValues is not nil")
	}
}
