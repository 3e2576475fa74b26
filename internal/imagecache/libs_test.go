package imagecache

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// cgoProgram builds a small dynamically linked Go program (cgo, as plain
// `go install` builds localcluster where a C compiler is installed) that
// prints its arguments.
func cgoProgram(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := `package main

// #include <stdlib.h>
import "C"

import (
	"fmt"
	"os"
	"os/user"
)

func main() {
	C.srand(1)
	_, _ = user.Current()
	fmt.Println("ran with", os.Args[1:])
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module cgoprog\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "localcluster")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build of a cgo program (needs gcc): %v\n%s", err, out)
	}
	return bin
}

func TestRuntimeFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads this machine's shared libraries")
	}
	files, err := runtimeFiles(staticBinary(t))
	if err != nil || len(files) != 0 {
		t.Errorf("static build: files %v, err %v; want none", files, err)
	}
	files, err = runtimeFiles(cgoProgram(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if len(files) < 2 || !strings.HasPrefix(names[0], "ld-") || !strings.Contains(strings.Join(names, " "), "libc.so") {
		t.Errorf("cgo build: files %v; want its loader first, then libc and the rest", files)
	}
	if _, err := findLibIn(t, "libnothing-such.so.9"); err == nil {
		t.Error("a library that is nowhere was found")
	}
}

func findLibIn(t *testing.T, name string) (string, error) {
	t.Helper()
	if p := findLib(name, append([]string{t.TempDir()}, libDirs...)); p != "" {
		return p, nil
	}
	return "", os.ErrNotExist
}

// TestCgoBinaryImageRuns: the cache image made from a cgo build carries its
// loader and libraries, so the container really runs it.
func TestCgoBinaryImageRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker (skipped with -short)")
	}
	ctx := context.Background()
	api, ref := cacheImage(t, cgoProgram(t))
	name := "lc-test-cgo-" + randomSuffix(t)
	if _, err := api.ContainerCreate(ctx, &container.Config{Image: ref}, nil, nil, nil, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = api.ContainerRemove(context.Background(), name, container.RemoveOptions{Force: true})
	})
	if err := api.ContainerStart(ctx, name, container.StartOptions{}); err != nil {
		t.Fatalf("start: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	statusCh, errCh := api.ContainerWait(wctx, name, container.WaitConditionNotRunning)
	var code int64
	select {
	case st := <-statusCh:
		code = st.StatusCode
	case err := <-errCh:
		t.Fatalf("wait: %v", err)
	}
	rc, err := api.ContainerLogs(ctx, name, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	var out, errOut bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errOut, rc); err != nil {
		t.Fatal(err)
	}
	want := "ran with [" + ServerCommand + " --root " + storageDir + "]"
	if code != 0 || strings.TrimSpace(out.String()) != want {
		t.Errorf("container exited %d, printed %q (stderr %q); want 0 and %q", code, out.String(), errOut.String(), want)
	}
}
