package certs

import (
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// t0 is whole seconds, as certificates store times.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

// newLab returns options for a lab in a fresh directory: the anchor in
// certs/, issuers in clusters/<name>/, the clock fixed at t0.
func newLab(t testing.TB, clusters ...string) Options {
	t.Helper()
	dir := t.TempDir()
	opts := Options{TrustDir: filepath.Join(dir, "certs"), Now: at(t0)}
	for _, name := range clusters {
		opts.Clusters = append(opts.Clusters, Cluster{Name: name, Dir: filepath.Join(dir, "clusters", name)})
	}
	return opts
}

// labRoot is the directory holding a lab made by newLab.
func labRoot(opts Options) string { return filepath.Dir(opts.TrustDir) }

func mustEnsure(t testing.TB, opts Options) []Action {
	t.Helper()
	actions, err := Ensure(opts)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return actions
}

type fileState struct {
	mode    fs.FileMode
	modTime time.Time
	content string
}

// snapshot records every file and directory under root, with contents and
// times, so any write, temp file or new directory shows up as a difference.
func snapshot(t testing.TB, root string) map[string]fileState {
	t.Helper()
	state := map[string]fileState{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		s := fileState{mode: info.Mode(), modTime: info.ModTime()}
		if !d.IsDir() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			s.content = string(b)
		}
		rel, _ := filepath.Rel(root, path)
		state[rel] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return state
}

func assertUnchanged(t testing.TB, before, after map[string]fileState) {
	t.Helper()
	if !reflect.DeepEqual(before, after) {
		for k, v := range after {
			if b, ok := before[k]; !ok || b != v {
				t.Errorf("changed or added: %s", k)
			}
		}
		for k := range before {
			if _, ok := after[k]; !ok {
				t.Errorf("removed: %s", k)
			}
		}
	}
}

func kinds(actions []Action) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = a.Kind
	}
	return out
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(readFile(t, path))
	if b == nil || b.Type != "CERTIFICATE" {
		t.Fatalf("%s: no CERTIFICATE block", path)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	if err := os.WriteFile(to, readFile(t, from), 0o600); err != nil {
		t.Fatal(err)
	}
}
