package kubeconfig

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment of the child processes TestParallelMerge starts: the
// kubeconfig, the clusters to merge, and a file to create once ready.
const (
	childPathEnv  = "LOCALCLUSTER_KUBECONFIG_CHILD_PATH"
	childNamesEnv = "LOCALCLUSTER_KUBECONFIG_CHILD_NAMES"
	childReadyEnv = "LOCALCLUSTER_KUBECONFIG_CHILD_READY"
)

// contendedTimeout is longer than DefaultLockTimeout: under the race
// detector a write of this many entries takes a good part of a second, and
// 24 writers queue for the lock.
const contendedTimeout = 2 * time.Minute

// labServer is the node address given to the lab cluster at index i.
func labServer(i int) string { return fmt.Sprintf("https://192.168.155.%d:6443", 10+i) }

// labProvider alternates kind and k3d so both renames run in parallel.
func labProvider(i int) string { return []string{"kind", "k3d"}[i%2] }

// TestParallelMergeChild is the body of the child processes; run alone it
// does nothing.
func TestParallelMergeChild(t *testing.T) {
	path := os.Getenv(childPathEnv)
	if path == "" {
		t.Skip("run by TestParallelMerge in a child process")
	}
	var indexes []int
	for _, s := range strings.Split(os.Getenv(childNamesEnv), ",") {
		var i int
		if _, err := fmt.Sscan(s, &i); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, i)
	}
	if err := os.WriteFile(os.Getenv(childReadyEnv), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, i := range indexes {
		e := entryFor(t, labProvider(i), labName(i), 0)
		e.Server = labServer(i)
		if changed, err := (Options{LockTimeout: contendedTimeout}).Merge(path, e); err != nil || !changed {
			t.Fatalf("child Merge %s = %v, %v", e.Name, changed, err)
		}
	}
}

func labName(i int) string { return fmt.Sprintf("lab%02d", i) }

// TestParallelMerge merges 16 clusters from goroutines and 8 from two other
// processes at once, all starting while the file is locked as kubectl would
// lock it, then removes half from goroutines at once. No entry may be lost,
// the user's entries must survive, and nothing may be left behind.
func TestParallelMerge(t *testing.T) {
	const goroutines, children, perChild = 16, 2, 4
	path := copyFixture(t, "user.yaml")
	dir := filepath.Dir(path)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Hold the lock until everyone is waiting for it, so that they contend.
	lock := path + ".lock"
	if err := os.WriteFile(lock, nil, 0); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var procs []*exec.Cmd
	var outputs []*strings.Builder
	var ready []string
	for c := range children {
		var idx []string
		for j := range perChild {
			idx = append(idx, fmt.Sprint(goroutines+c*perChild+j))
		}
		readyFile := filepath.Join(t.TempDir(), "ready")
		ready = append(ready, readyFile)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestParallelMergeChild$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			childPathEnv+"="+path, childNamesEnv+"="+strings.Join(idx, ","), childReadyEnv+"="+readyFile)
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs, outputs = append(procs, cmd), append(outputs, out)
	}

	errs := make(chan error, goroutines)
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			e := entryFor(t, labProvider(i), labName(i), 0)
			e.Server = labServer(i)
			if changed, err := (Options{LockTimeout: contendedTimeout}).Merge(path, e); err != nil || !changed {
				errs <- fmt.Errorf("Merge %s = %v, %v", e.Name, changed, err)
			}
		})
	}
	waitForFiles(t, ready, time.Minute)
	time.Sleep(50 * time.Millisecond) // let the children reach the lock
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for c, cmd := range procs {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", c, err, outputs[c])
		}
	}
	total := goroutines + children*perChild
	assertLabs(t, path, orig, total, func(int) bool { return true })

	// Now remove every other cluster, all at once.
	errs = make(chan error, total)
	for i := 0; i < total; i += 2 {
		wg.Go(func() {
			if changed, err := (Options{LockTimeout: contendedTimeout}).Remove(path, labName(i), testAliases(labName(i))...); err != nil || !changed {
				errs <- fmt.Errorf("Remove %s = %v, %v", labName(i), changed, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assertLabs(t, path, orig, total, func(i int) bool { return i%2 == 1 })
	assertNoLeftovers(t, dir)
}

// assertLabs checks that exactly the labs among total for which present
// holds are in the file, and that the user's entries are intact.
func assertLabs(t *testing.T, path string, orig []byte, total int, present func(int) bool) {
	t.Helper()
	cfg := mustLoad(t, path)
	want := 3 // the user's contexts
	for i := range total {
		if !present(i) {
			if cfg.Contexts[labName(i)] != nil {
				t.Errorf("context %s still there", labName(i))
			}
			continue
		}
		want++
		assertLab(t, cfg, labName(i), labServer(i))
	}
	if len(cfg.Contexts) != want || len(cfg.Clusters) != want || len(cfg.AuthInfos) != want {
		t.Errorf("%d contexts, %d clusters, %d users; want %d of each",
			len(cfg.Contexts), len(cfg.Clusters), len(cfg.AuthInfos), want)
	}
	assertUserKept(t, orig, path, "work")
}

func waitForFiles(t *testing.T, files []string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, f := range files {
		for {
			if _, err := os.Stat(f); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("child never created %s", f)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
