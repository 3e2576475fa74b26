package kind

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	kinderrors "sigs.k8s.io/kind/pkg/errors"
	kindexec "sigs.k8s.io/kind/pkg/exec"

	"github.com/localcluster/localcluster/internal/provider"
)

func TestUseNetworkOncePerProcess(t *testing.T) {
	t.Setenv(networkEnv, "from-the-user")
	p := New(Options{})
	if err := p.useNetwork("lab"); err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv(networkEnv); got != "lab" {
		t.Errorf("%s = %q, want lab (the spec wins over the shell)", networkEnv, got)
	}
	if err := p.useNetwork("lab"); err != nil {
		t.Errorf("same network again: %v", err)
	}
	err := p.useNetwork("other")
	want := `kind clusters in one run must share one docker network: already using "lab", asked for "other"`
	if err == nil || err.Error() != want {
		t.Errorf("other network: %v, want %s", err, want)
	}
	if got := os.Getenv(networkEnv); got != "lab" {
		t.Errorf("%s changed to %q by a refused request", networkEnv, got)
	}

	p = New(Options{})
	if err := p.useNetwork(provider.DefaultNetwork); err != nil {
		t.Fatal(err)
	}
	if got, set := os.LookupEnv(networkEnv); set {
		t.Errorf("%s = %q for the default network, want it unset", networkEnv, got)
	}
}

// kindError builds the error kind returns when a docker command fails, as
// kind's exec and errors packages build it.
func kindError(msg string, args []string, output string) error {
	return kinderrors.Wrap(&kindexec.RunError{Command: args, Output: []byte(output), Inner: errors.New("exit status 1")}, msg)
}

func TestExplain(t *testing.T) {
	image := DefaultImage
	err := explain(kindError(`failed to pull image "`+image+`"`, []string{"docker", "pull", image},
		"Error response from daemon: Get \"https://registry-1.docker.io/v2/\": no such host\n"))
	var ie *provider.ImageError
	if !errors.As(err, &ie) || ie.Image != image || ie.Reason != `Error response from daemon: Get "https://registry-1.docker.io/v2/": no such host` {
		t.Errorf("pull failure: %#v", err)
	}

	err = explain(kindError("boom", []string{"docker", "run", "x"},
		"docker: Error response from daemon: No command specified.\n\nRun 'docker run --help' for more information\n"))
	if !strings.HasSuffix(err.Error(), ": docker: Error response from daemon: No command specified.") {
		t.Errorf("run failure: %v", err)
	}

	plain := errors.New("node(s) already exist")
	if got := explain(plain); got != plain {
		t.Errorf("explain changed a non-command error: %v", got)
	}
}

func TestLoggerPrefixesLines(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(&buf, "smiley")
	l.V(0).Infof(" • %s  ...\n", "Ensuring node image")
	l.V(1).Info("debug noise")
	l.Warn("WARNING: Here be dragons!")
	l.Errorf("failed: %d", 1)
	want := "[smiley]  • Ensuring node image  ...\n[smiley] WARNING: Here be dragons!\n[smiley] ERROR: failed: 1\n"
	if buf.String() != want {
		t.Errorf("log =\n%q\nwant\n%q", buf.String(), want)
	}
}
