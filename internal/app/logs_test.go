package app

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogsWithoutDockerOrClusters: the bundle is written all the same,
// with the lab's files and certificates but no private key, the status
// report, and errors.txt saying what could not be collected.
func TestLogsWithoutDockerOrClusters(t *testing.T) {
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
	path := filepath.Join(tmp, "bundle.tar.gz")
	out, stderr, err := run("logs", "--trust-dir", trust, lab, "-o", path)
	if err != nil {
		t.Fatalf("logs: %v\n%s", err, stderr)
	}
	if strings.TrimSpace(out) != path {
		t.Errorf("logs printed %q, want the bundle's path %s", out, path)
	}
	files := readBundle(t, path)
	for _, want := range []string{"status.json", "errors.txt", "lab/" + strings.TrimPrefix(lab, "/") + "/east/sma.yaml",
		"lab/" + strings.TrimPrefix(lab, "/") + "/west/issuer.crt", "lab/" + strings.TrimPrefix(trust, "/") + "/root.crt"} {
		if _, ok := files[want]; !ok {
			t.Errorf("the bundle lacks %s; it has %v", want, sortedKeys(files))
		}
	}
	if errs := files["errors.txt"]; !strings.Contains(errs, "Docker: cannot reach Docker") || !strings.Contains(errs, "east: context east") {
		t.Errorf("errors.txt does not say why Docker and the clusters were left out:\n%s", errs)
	}
	wantNoSecrets(t, files)
}

// readBundle returns the files of a bundle by name, without the top
// directory.
func readBundle(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		_, name, _ := strings.Cut(hdr.Name, "/")
		if !strings.HasPrefix(hdr.Name, "localcluster-logs-") {
			t.Errorf("entry %s is not under localcluster-logs-<time>/", hdr.Name)
		}
		files[name] = string(data)
	}
}

func wantNoSecrets(t *testing.T, files map[string]string) {
	t.Helper()
	for name, data := range files {
		if strings.Contains(data, "PRIVATE KEY") {
			t.Errorf("%s holds a private key", name)
		}
	}
}
