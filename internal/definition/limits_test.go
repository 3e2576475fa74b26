package definition

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// problemsOf loads dirs and returns the problems, failing the test when
// the load succeeds or fails otherwise.
func problemsOf(t *testing.T, dirs ...string) Problems {
	t.Helper()
	lab, err := Load(dirs)
	var problems Problems
	if lab != nil || !errors.As(err, &problems) {
		t.Fatalf("Load(%q) = %v, %v; want Problems", dirs, lab, err)
	}
	return problems
}

// A named pipe called sma.yaml would block a reader forever: it must be
// refused by its type, not read.
func TestLoadNamedPipe(t *testing.T) {
	t.Chdir(t.TempDir())
	writeCluster(t, "c/ok", "ok")
	if err := os.MkdirAll("c/pipe", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo("c/pipe/sma.yaml", 0o644); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	writeCluster(t, "c/values", "values")
	if err := syscall.Mkfifo("c/values/mc-values.yaml", 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan Problems, 1)
	go func() { done <- problemsOf(t, "c") }()
	select {
	case problems := <-done:
		want := "c/pipe/sma.yaml: this is a named pipe, not a file; a definition must be a plain file\n" +
			"c/values/mc-values.yaml: this is a named pipe, not a file; a definition must be a plain file"
		if got := problems.Error(); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Load blocked on a named pipe")
	}
}

// A huge file is refused from its size, without being read: loading must
// not allocate anything near the file's size.
func TestLoadHugeFileNotRead(t *testing.T) {
	t.Chdir(t.TempDir())
	writeCluster(t, "c/big", "big")
	writeCluster(t, "c/values", "values")
	const size = 1 << 30 // sparse: takes no disk
	for _, path := range []string{"c/big/sma.yaml", "c/values/mc-values.yaml", "c/lab.yaml"} {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	problems := problemsOf(t, "c")
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("loading allocated %d MiB; the files were read", grew>>20)
	}
	msg := fmt.Sprintf("the file is %d bytes, more than the %d a definition may have; is it the right file?", size, maxFileSize)
	want := "c/big/sma.yaml: " + msg + "\nc/lab.yaml: " + msg + "\nc/values/mc-values.yaml: " + msg
	if got := problems.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A file that is just over the limit is refused; one at the limit is parsed.
func TestReadDefinitionLimit(t *testing.T) {
	dir := t.TempDir()
	at := filepath.Join(dir, "at")
	over := filepath.Join(dir, "over")
	body := "# " + strings.Repeat("x", maxFileSize-3) + "\n"
	if err := os.WriteFile(at, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(over, []byte(body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, p := readDefinition(at); p != nil || len(data) != maxFileSize {
		t.Errorf("at the limit: %d bytes, %v", len(data), p)
	}
	if _, p := readDefinition(over); p == nil || !strings.Contains(p.Msg, "more than the") {
		t.Errorf("over the limit: %v", p)
	}
}

// A tree with more directories than the search may open, and no lab in it,
// is refused with one message naming the bound, not walked to the end.
func TestLoadSearchBounded(t *testing.T) {
	t.Chdir(t.TempDir())
	for i := 0; i < 30; i++ {
		if err := os.MkdirAll(fmt.Sprintf("home/p%02d/q/r", i), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeCluster(t, "home/p00/q/r/east", "east") // found before the bound
	writeCluster(t, "home/p01/q/r/east", "east") // a duplicate: not reported
	_, err := loadContext(context.Background(), []string{"home"}, 50)
	var problems Problems
	if !errors.As(err, &problems) || len(problems) != 1 {
		t.Fatalf("got %v; want exactly one problem", err)
	}
	want := `home: searched 50 directories for sma.yaml without coming to the end (stopped at home/p15/q/r); this does not look like a lab: pass the directory that holds your cluster directories, e.g. "clusters"`
	if got := problems.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	_, err = loadContext(context.Background(), []string{"home"}, 200)
	if err == nil || !strings.Contains(err.Error(), `cluster "east" is also defined`) {
		t.Errorf("within the bound, the files are checked: got %v", err)
	}
}

// Searching "/" ends within the bound with a few clear lines, skipping
// /proc and friends and not listing every directory it cannot read.
func TestLoadSearchRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("walks up to MaxSearchDirs directories of this machine; skipped with -short")
	}
	start := time.Now()
	_, err := Load([]string{"/"})
	if err == nil {
		t.Fatal("Load(/) succeeded")
	}
	t.Logf("Load(/):\n%v", err)
	if elapsed := time.Since(start); elapsed > time.Minute {
		t.Errorf("Load(/) took %v", elapsed)
	}
	if lines := strings.Count(err.Error(), "\n") + 1; lines > MaxShown+1 {
		t.Errorf("Load(/) printed %d lines", lines)
	}
	if strings.Contains(err.Error(), "/proc/") {
		t.Errorf("Load(/) walked /proc:\n%s", err)
	}
}

// Loading stops when its context is cancelled, with the context's error
// (which the command layer maps to "interrupted").
func TestLoadCancelled(t *testing.T) {
	t.Chdir(t.TempDir())
	writeCluster(t, "c/east", "east")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lab, err := LoadContext(ctx, []string{"c"})
	if lab != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, %v; want context.Canceled", lab, err)
	}
	var problems Problems
	if errors.As(err, &problems) {
		t.Errorf("a cancelled load reported definition problems: %v", err)
	}
}

// Unreadable directories are named up to a few, then counted, in one
// problem per searched directory.
func TestReportUnreadable(t *testing.T) {
	l := &loader{}
	s := &search{root: "/srv"}
	for i := 0; i < 1000; i++ {
		s.unreadable = append(s.unreadable, fmt.Sprintf("/srv/d%d (permission denied)", i))
	}
	l.reportUnreadable(s)
	want := "/srv: cannot read /srv/d0 (permission denied), /srv/d1 (permission denied), /srv/d2 (permission denied) and 997 more directories; " +
		"clusters there would be missing from the lab: fix the permissions or pass only the directories that hold the lab"
	if got := l.problems.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
