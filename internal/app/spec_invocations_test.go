package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The invocations the older tool's workshops use (SPEC), verbatim, run in
// dry-run from a directory laid out as those workshops are: one flat
// clusters/ directory with a directory per cluster.
func TestWorkshopInvocations(t *testing.T) {
	work := t.TempDir()
	copyTree(t, "../../clusters/workshop", filepath.Join(work, "clusters"))
	copyTree(t, "../../clusters/east-west/east", filepath.Join(work, "clusters", "east"))
	if err := os.Remove(filepath.Join(work, "clusters", "README.md")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	for _, inv := range []string{
		"create --dryrun clusters smiley",
		"create clusters cdn faces color",
		"certs --force clusters",
		"linkerd --dryrun clusters smiley",
		"linkerd clusters/east",
		"group clusters smiley",
		"link --src cdn --dst faces clusters",
		"info clusters cdn",
		"delete clusters faces color",
		"delete .",
		"link-groups clusters smiley",
		"multicluster clusters",
		"route clusters",
		"lb clusters smiley",
	} {
		t.Run(inv, func(t *testing.T) {
			args := strings.Fields(inv)
			if args[0] != "info" && !strings.Contains(inv, "--dryrun") {
				args = append(args, "--dryrun") // the same invocation, planned instead of done
			}
			stdout, stderr, err := run(t, args...)
			if err != nil {
				t.Fatalf("%v\nstderr: %s", err, stderr)
			}
			if args[0] == "info" {
				if !strings.Contains(stdout, "10.13.1.0/24") {
					t.Errorf("info clusters cdn:\n%s", stdout)
				}
				return
			}
			if !strings.Contains(stdout, "nothing was changed") {
				t.Errorf("no dry-run transcript:\n%s", stdout)
			}
		})
	}
}
