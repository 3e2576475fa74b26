package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestValidateNames(t *testing.T) {
	tests := []struct {
		name    string
		names   []string
		wantErr string
	}{
		{name: "one", names: []string{"east"}},
		{name: "several", names: []string{"east", "west-2"}},
		{name: "none", wantErr: "no API server names given"},
		{name: "repeat", names: []string{"east", "east"}, wantErr: `API server name "east" is given twice`},
		{name: "upper case", names: []string{"East"}, wantErr: `API server name "East" is not a DNS label`},
		{name: "slash", names: []string{"a/b"}, wantErr: `API server name "a/b" is not a DNS label`},
		{name: "empty", names: []string{""}, wantErr: `API server name "" is not a DNS label`},
		{name: "leading dash", names: []string{"-a"}, wantErr: `API server name "-a" is not a DNS label`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateNames(tt.names)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("validateNames(%q) = %v, want nil", tt.names, err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Errorf("validateNames(%q) = %v, want an error starting %q", tt.names, err, tt.wantErr)
			}
		})
	}
}

func TestBinariesFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LOCALCLUSTER_TESTBIN_DIR", dir)

	_, _, err := Binaries()
	if err == nil || !strings.Contains(err.Error(), "make testbin") {
		t.Fatalf("Binaries() with an empty dir: error %v, want one that says to run make testbin", err)
	}

	writeScript(t, dir, "kube-apiserver", "exit 0")
	writeScript(t, dir, "etcd", "exit 0")
	apiserver, etcd, err := Binaries()
	if err != nil {
		t.Fatalf("Binaries(): %v", err)
	}
	if apiserver != filepath.Join(dir, "kube-apiserver") || etcd != filepath.Join(dir, "etcd") {
		t.Errorf("Binaries() = %s, %s; want both in %s", apiserver, etcd, dir)
	}
}

func TestBinariesDefaultDir(t *testing.T) {
	root := t.TempDir()
	t.Setenv("LOCALCLUSTER_TESTBIN_DIR", "")
	t.Setenv("LOCALCLUSTER_TESTBIN", root)
	_, _, err := Binaries()
	want := filepath.Join(root, KubernetesVersion+"-"+EtcdVersion, "kube-apiserver")
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Binaries() = %v, want an error naming %s", err, want)
	}
}

// TestStartSharedReportsEtcdLog uses stand-in scripts for the binaries: the
// failure path needs a process that dies, which the real ones do not.
func TestStartSharedReportsEtcdLog(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LOCALCLUSTER_TESTBIN_DIR", dir)
	writeScript(t, dir, "etcd", "echo 'etcd: cannot open data dir' >&2; exit 3")
	writeScript(t, dir, "kube-apiserver", "exit 1")

	_, stop, err := StartShared("east")
	if err == nil {
		stop()
		t.Fatal("StartShared with a failing etcd succeeded")
	}
	for _, want := range []string{"etcd exited early", "exit status 3", "etcd: cannot open data dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("StartShared error %q does not contain %q", err, want)
		}
	}
}

// TestStartFailsWithoutBinaries checks that Start fails the test, rather
// than skipping it, and says how to get the binaries.
func TestStartFailsWithoutBinaries(t *testing.T) {
	t.Setenv("LOCALCLUSTER_TESTBIN_DIR", t.TempDir())
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(rec, "east")
	}()
	<-done
	if testing.Short() {
		if !strings.Contains(rec.skipped, "skipped with -short") {
			t.Errorf("Start with -short: skip message %q, fatal %q; want a skip", rec.skipped, rec.fatal)
		}
		return
	}
	if !strings.Contains(rec.fatal, "make testbin") {
		t.Errorf("Start without binaries: fatal message %q, want one that says to run make testbin", rec.fatal)
	}
}

// fatalRecorder stands in for a testing.TB to catch what Start fails with.
type fatalRecorder struct {
	testing.TB
	fatal, skipped string
}

func (r *fatalRecorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatal(args ...any) {
	r.fatal = fmt.Sprint(args...)
	runtime.Goexit()
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func writeScript(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}
