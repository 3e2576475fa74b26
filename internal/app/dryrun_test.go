package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/testenv/golden"
)

// run calls the command line in-process from the repository root, where
// the example labs are, with Docker pointed at nothing.
func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	return runWithDocker(t, args...)
}

// runWithDocker is run with the machine's Docker engine.
func runWithDocker(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	if _, err := os.Stat("app.go"); err == nil { // in the package: go to the repository root
		t.Chdir("../..")
	}
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	var out, errOut bytes.Buffer
	err = Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args)
	return out.String(), errOut.String(), err
}

// The dry-run transcripts of the example labs are golden files: what a
// workshop presenter sees, and commands a person could paste.
func TestDryRunTranscripts(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"create-workshop-smiley", []string{"create", "--dryrun", "clusters/workshop", "smiley"}},
		{"create-workshop", []string{"create", "--dryrun", "clusters/workshop"}},
		{"create-east-west", []string{"create", "--dryrun", "clusters/east-west"}},
		{"create-force-east", []string{"--dry-run", "create", "--force", "clusters/east-west", "east"}},
		{"route-workshop", []string{"route", "--dryrun", "clusters/workshop"}},
		{"lb-east-west", []string{"lb", "--dryrun", "clusters/east-west"}},
		{"delete-workshop-faces-color", []string{"delete", "--dryrun", "clusters/workshop", "faces", "color"}},
		{"certs-east-west", []string{"certs", "--dryrun", "--trust-dir", "certs", "clusters/east-west"}},
		{"linkerd-workshop-smiley", []string{"linkerd", "--dryrun", "clusters/workshop", "smiley"}},
		{"multicluster-workshop-faces", []string{"multicluster", "--dryrun", "clusters/workshop", "faces"}},
		{"group-east-west", []string{"group", "--dryrun", "clusters/east-west"}},
		{"link-cdn-faces", []string{"link", "--src", "cdn", "--dst", "faces", "--dryrun", "clusters/workshop"}},
		{"link-declared", []string{"link", "--dryrun", "clusters/workshop"}},
		{"unlink-cdn-faces", []string{"unlink", "--dryrun", "--src", "cdn", "--dst", "faces", "clusters/workshop"}},
		{"up-east-west", []string{"up", "--dryrun", "clusters/east-west"}},
		{"down-east-west", []string{"down", "--dryrun", "clusters/east-west"}},
		{"down-cache-east-west", []string{"down", "--dryrun", "--cache", "clusters/east-west"}},
		{"stop-east-west", []string{"stop", "--dryrun", "clusters/east-west"}},
		{"start-workshop", []string{"start", "--dryrun", "clusters/workshop"}},
		{"images-load-workshop", []string{"images", "load", "--dryrun", "clusters/workshop", "ghcr.io/buoyantio/faces-workload:2.0.0", "my-app:dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			args := append([]string{"--kubeconfig", "kubeconfig.yaml"}, tt.args...)
			stdout, stderr, err := run(t, args...)
			if err != nil {
				t.Fatalf("err = %v\nstderr:\n%s", err, stderr)
			}
			if stderr != "" {
				t.Errorf("dry-run wrote progress to stderr:\n%s", stderr)
			}
			assertGolden(t, tt.golden, stdout)
		})
	}
}

func assertGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.AssertString(t, filepath.Join("internal", "app", "testdata", name+".golden"), got)
}

// TestDryRunJSON reads the step graph of up for the seven-cluster lab
// from --dryrun -o json: every need names a step printed before it, and
// the graph holds the chains up promises.
func TestDryRunJSON(t *testing.T) {
	stdout, _, err := run(t, "up", "--dryrun", "-o", "json", "clusters/workshop")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Steps []struct {
			ID, Cluster, Title, Script string
			Needs                      []string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	seen := map[string][]string{}
	for _, s := range got.Steps {
		if s.ID == "" || s.Title == "" || s.Needs == nil {
			t.Errorf("step %+v lacks an id, a title or a needs list", s)
		}
		for _, n := range s.Needs {
			if _, ok := seen[n]; !ok {
				t.Errorf("%s needs %s, which is not printed before it", s.ID, n)
			}
		}
		seen[s.ID] = s.Needs
	}
	for id, need := range map[string]string{
		"kubeconfig/faces": "create/faces", "lb/faces": "kubeconfig/faces", "linkerd/faces": "lb/faces",
		"linkerd/cdn": "kubeconfig/cdn", "multicluster/cdn": "linkerd/cdn", "link/cdn/faces": "gateway/faces",
	} {
		if !slices.Contains(seen[id], need) {
			t.Errorf("%s needs %v, want %s among them", id, seen[id], need)
		}
	}
	if len(got.Steps) < 60 {
		t.Errorf("up's plan has %d steps; the seven-cluster lab needs more", len(got.Steps))
	}
	if _, _, err := run(t, "create", "--dryrun", "-o", "yaml", "clusters/workshop"); ExitCode(err) != 2 {
		t.Errorf("-o yaml on a lab command: %v, want a usage error", err)
	}
}
