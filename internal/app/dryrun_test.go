package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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
