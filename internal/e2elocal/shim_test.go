package e2elocal

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDockerShim runs testdata/docker, the shim the e2e test puts in front
// of kind, against a stand-in for docker that prints its arguments one per
// line: `run --privileged` becomes the flags this machine's engine accepts,
// `exec --privileged` loses the flag, and everything else passes through
// untouched.
func TestDockerShim(t *testing.T) {
	dir := t.TempDir()
	echo := filepath.Join(dir, "docker-echo")
	if err := os.WriteFile(echo, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	shim, err := filepath.Abs(filepath.Join("testdata", "docker"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, args ...string) []string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), shim, args...)
		cmd.Env = append(os.Environ(), "LOCALCLUSTER_E2E_DOCKER="+echo, "LOCALCLUSTER_E2E_DOCKER_LOG=")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("shim %v: %v", args, err)
		}
		return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	}
	_, modulesErr := os.Stat("/lib/modules")

	t.Run("run", func(t *testing.T) {
		got := run(t, "run", "--name", "n1", "--privileged", "--security-opt", "seccomp=unconfined",
			"--volume", "/var", "--volume", "/lib/modules:/lib/modules:ro", "-e", "X", "kindest/node:v1", "--foo")
		if slices.Contains(got, "--privileged") {
			t.Errorf("--privileged passed through: %q", got)
		}
		for _, want := range [][]string{
			{"--cap-add", "ALL"}, {"--cap-drop", "SYS_RESOURCE"},
			{"--security-opt", "systempaths=unconfined"}, {"--security-opt", "apparmor=unconfined"},
			{"--device-cgroup-rule", "a *:* rwm"}, {"--device", "/dev/kmsg"},
			{"--name", "n1"}, {"--volume", "/var"}, {"-e", "X"},
		} {
			if !containsSeq(got, want) {
				t.Errorf("want %q in %q", want, got)
			}
		}
		if got[0] != "run" || got[len(got)-2] != "kindest/node:v1" || got[len(got)-1] != "--foo" {
			t.Errorf("command, image or container arguments moved: %q", got)
		}
		if modules := containsSeq(got, []string{"--volume", "/lib/modules:/lib/modules:ro"}); modules != (modulesErr == nil) {
			t.Errorf("/lib/modules bind kept=%v, but the host folder exists=%v: %q", modules, modulesErr == nil, got)
		}
	})
	t.Run("exec", func(t *testing.T) {
		got := run(t, "exec", "--privileged", "n1", "cat", "/kind/version")
		if want := []string{"exec", "n1", "cat", "/kind/version"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("other commands", func(t *testing.T) {
		args := []string{"inspect", "--privileged", "n1"}
		if got := run(t, args...); !slices.Equal(got, args) {
			t.Errorf("got %q, want %q unchanged", got, args)
		}
	})
}

// containsSeq reports whether seq occurs in s as consecutive elements.
func containsSeq(s, seq []string) bool {
	for i := 0; i+len(seq) <= len(s); i++ {
		if slices.Equal(s[i:i+len(seq)], seq) {
			return true
		}
	}
	return false
}
