package lablock

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var lab = Lab{Network: "kind", DockerHost: "unix:///var/run/docker.sock"}

func TestSecondAcquireNamesTheHolder(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, lab, "localcluster up clusters")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir, lab, "localcluster link clusters")
	var held *HeldError
	if !errors.As(err, &held) || !errors.Is(err, ErrHeld) {
		t.Fatalf("second Acquire: %v, want a HeldError", err)
	}
	want := `another localcluster (pid ` + strconv.Itoa(os.Getpid()) + `, "localcluster up clusters") is working on this lab (network "kind"); wait for it to finish, or stop it`
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(l.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Release the lock file is still there: %v", err)
	}
	l2, err := Acquire(dir, lab, "localcluster link clusters")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	_ = l2.Release()
}

// A file left behind by a holder that died holds no flock: it is taken,
// and what it said is replaced.
func TestStaleFileIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	path := File(dir, lab)
	if err := os.WriteFile(path, []byte("999999999\nlocalcluster create old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(dir, lab, "localcluster create clusters")
	if err != nil {
		t.Fatalf("Acquire over a stale file: %v", err)
	}
	defer func() { _ = l.Release() }()
	b, _ := os.ReadFile(path)
	if want := strconv.Itoa(os.Getpid()) + "\nlocalcluster create clusters\n"; string(b) != want {
		t.Errorf("lock file says %q, want %q", b, want)
	}
}

func TestLabsLockApart(t *testing.T) {
	dir := t.TempDir()
	other := []Lab{
		{Network: "kind2", DockerHost: lab.DockerHost},
		{Network: lab.Network, DockerHost: "tcp://10.0.0.5:2376"},
		{Network: "../../etc/passwd", DockerHost: lab.DockerHost},
	}
	l, err := Acquire(dir, lab, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Release() }()
	for _, o := range other {
		if filepath.Dir(File(dir, o)) != dir {
			t.Errorf("%+v: lock file %s is outside %s", o, File(dir, o), dir)
		}
		lo, err := Acquire(dir, o, "b")
		if err != nil {
			t.Errorf("%+v: %v, want its own lock", o, err)
			continue
		}
		_ = lo.Release()
	}
}

func TestDir(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}, "/run/user/1000/localcluster"},
		{map[string]string{"XDG_RUNTIME_DIR": "relative"}, "/tmp/localcluster-1000"},
		{nil, "/tmp/localcluster-1000"},
	} {
		if got := Dir(func(k string) string { return c.env[k] }, "/tmp", 1000); got != c.want {
			t.Errorf("Dir(%v) = %s, want %s", c.env, got, c.want)
		}
	}
}

// A lock directory others may write to is refused, saying how to fix it.
func TestDirOthersCanWriteIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err := Acquire(dir, lab, "x")
	if err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) {
		t.Errorf("Acquire in a world-writable directory: %v, want a refusal saying chmod 700", err)
	}
}

// Many takers in one process, each with its own open file, acquiring and
// releasing at once: never two holders, whatever the order of remove and
// unlock (this is what the re-check of the path is for).
func TestNeverTwoHolders(t *testing.T) {
	dir := t.TempDir()
	var holders, most, taken atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				l, err := Acquire(dir, lab, "x")
				if errors.Is(err, ErrHeld) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				n := holders.Add(1)
				taken.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(50 * time.Microsecond)
				holders.Add(-1)
				if err := l.Release(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 || taken.Load() == 0 {
		t.Errorf("at most %d holders at once (taken %d times), want exactly 1", most.Load(), taken.Load())
	}
}

// holdEnv makes the test binary a lock holder that waits to be killed.
const holdEnv = "LABLOCK_TEST_HOLD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(holdEnv); dir != "" {
		if _, err := Acquire(dir, lab, "holder"); err != nil {
			_, _ = os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		_, _ = os.Stdout.WriteString("held\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A holder killed with SIGKILL cleans up nothing; the kernel drops its
// flock, and the next Acquire takes the lock it left.
func TestKilledHolderIsRecovered(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "held" {
		t.Fatalf("holder said %q", line)
	}
	_, err = Acquire(dir, lab, "second")
	var held *HeldError
	if !errors.As(err, &held) || held.PID != cmd.Process.Pid || held.Command != "holder" {
		t.Fatalf("while the holder runs: %v (%+v), want a HeldError naming pid %d", err, held, cmd.Process.Pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(File(dir, lab)); err != nil {
		t.Fatalf("the killed holder's file should still be there: %v", err)
	}
	l, err := Acquire(dir, lab, "second")
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	_ = l.Release()
}
