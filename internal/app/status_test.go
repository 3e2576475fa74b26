package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/testenv/golden"
)

// TestStatusWithoutDockerOrClusters: status still shows the declared lab
// and its certificates, marks every live check unknown (or names the
// missing cluster), and exits 1. The JSON is the documented shape
// (internal/health/doc.go), held by a golden file.
func TestStatusWithoutDockerOrClusters(t *testing.T) {
	tmp := t.TempDir()
	lab := filepath.Join(tmp, "lab")
	if err := os.CopyFS(lab, os.DirFS(filepath.Join("..", "..", "clusters", "east-west"))); err != nil {
		t.Fatal(err)
	}
	trust := filepath.Join(tmp, "trust")
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/localcluster-test/docker.sock")
	t.Setenv("KUBECONFIG", filepath.Join(tmp, "kube", "config"))
	t.Setenv("HOME", tmp)
	run := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args)
		return out.String(), errOut.String(), err
	}
	if _, stderr, err := run("certs", "--trust-dir", trust, lab); err != nil {
		t.Fatalf("certs: %v\n%s", err, stderr)
	}
	out, _, err := run("status", "--trust-dir", trust, lab, "-o", "json")
	var unhealthy *UnhealthyError
	if !errors.As(err, &unhealthy) || ExitCode(err) != 1 {
		t.Fatalf("status: error %v (exit %d), want an UnhealthyError and exit 1", err, ExitCode(err))
	}
	got := strings.ReplaceAll(out, tmp, "$TMP")
	// A year is 365 or 366 days; the golden file says N.
	if m := daysLeftRE.FindStringSubmatch(got); m == nil || (m[1] != "364" && m[1] != "365") {
		t.Errorf("issuer days left %v, want 364 or 365", m)
	}
	got = daysLeftRE.ReplaceAllString(got, "N days left")
	for _, want := range []string{`"kind": "LabStatus"`, `"healthy": false`, "Docker cannot tell", "chains to the trust anchor, N days left"} {
		if !strings.Contains(got, want) {
			t.Errorf("status -o json lacks %q", want)
		}
	}
	if strings.Contains(got, `"status": "fail"`) {
		t.Errorf("without Docker and clusters nothing is known to fail, but a check fails:\n%s", got)
	}
	statusGolden(t, "status-no-docker.json", got)

	table, _, _ := run("status", "--trust-dir", trust, lab)
	for _, want := range []string{"CLUSTER", "east", "west -> east (pod-to-pod)", "fix: localcluster create " + lab + " east", "Unhealthy: 0 failing"} {
		if !strings.Contains(table, want) {
			t.Errorf("status lacks %q:\n%s", want, table)
		}
	}
}

var daysLeftRE = regexp.MustCompile(`(\d+) days left`)

func TestStatusUsage(t *testing.T) {
	for _, args := range [][]string{
		{"status", "clusters", "-o", "png"},
		{"status", "clusters", "--wait", "-1s"},
		{"status"},
	} {
		err := Run(context.Background(), Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, args)
		if ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, ExitCode(err), err)
		}
	}
}

func statusGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.AssertString(t, filepath.Join("testdata", name), got)
}
