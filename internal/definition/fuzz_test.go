package definition

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadFile feeds arbitrary bytes to the single-file parsers. They must
// never panic, and must either return a result or say what is wrong, with
// every problem placed in the file it is about.
func FuzzLoadFile(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*/*.yaml")
	more, _ := filepath.Glob("testdata/*/*/*/*/*.yaml")
	for _, path := range append(seeds, more...) {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"", "---", "~", "[", "a: &a [*a]", "a: &a b\nc: *a\n", "<<: {a: 1}",
		"spec: {gatewayLinks: [&x a, *x, *x]}", "metadata: {name: x}\nspec: {subnet: 51/5, provider: kind}",
		"kind: SMA-cluster\nspec:\n  subnet: !!binary aGVsbG8=\n", "a: b\n---\nc: d\n", "\xfe\xff\x00a",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "x/sma.yaml"
		c, problems := parseCluster(file, data)
		if c == nil && len(problems) == 0 {
			t.Fatalf("parseCluster returned neither a cluster nor problems")
		}
		if c != nil && len(problems) == 0 {
			if c.Name == "" || !isProvider(c.Provider) || (!c.V4 && !c.V6) {
				t.Fatalf("clean parse gave an invalid cluster: %+v", c)
			}
			if _, err := ParseSubnetID(subnetString(c.Subnet)); c.Subnet != nil && err != nil {
				t.Fatalf("clean parse gave subnet %v that does not round-trip: %v", c.Subnet, err)
			}
		}
		checkPlaced(t, problems, file)

		_, _, problems = parseLab("x/lab.yaml", data)
		checkPlaced(t, problems, "x/lab.yaml")

		values, problems := parseValues("x/mc-values.yaml", data)
		if values == nil && len(problems) == 0 {
			t.Fatalf("parseValues returned neither values nor problems")
		}
		checkPlaced(t, problems, "x/mc-values.yaml")
	})
}

func subnetString(s *SubnetID) string {
	if s == nil {
		return "00/0"
	}
	return s.String()
}

func checkPlaced(t *testing.T, problems Problems, file string) {
	t.Helper()
	for _, p := range problems {
		if p.Pos.File != file || p.Msg == "" || strings.Contains(p.Error(), "\n") {
			t.Fatalf("badly formed problem %#v", p)
		}
	}
}
