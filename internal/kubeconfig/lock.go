package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultLockTimeout is how long Merge and Remove wait for another writer's
// lock. A write holds the lock for milliseconds, so even many clusters made
// at once get through well within it; a lock older than this is most likely
// left behind by a killed process.
const DefaultLockTimeout = 30 * time.Second

// Backoff between attempts to take a lock, randomised so that many waiting
// writers do not retry in step.
const (
	minLockBackoff = 2 * time.Millisecond
	maxLockBackoff = 100 * time.Millisecond
)

// LockError is returned when a kubeconfig lock could not be taken in time.
type LockError struct {
	Lock   string        // the lock file, "<kubeconfig>.lock"
	Waited time.Duration // how long we tried
	Age    time.Duration // how old the lock file is, if known
	PID    int           // the process that wrote it, if it says (kubectl and kind do not)
}

func (e *LockError) Error() string {
	var held []string
	if e.Age > 0 {
		held = append(held, "created "+roundDuration(e.Age).String()+" ago")
	}
	if e.PID > 0 {
		held = append(held, "by localcluster process "+strconv.Itoa(e.PID))
	}
	detail := ""
	if len(held) > 0 {
		detail = " (" + strings.Join(held, " ") + ")"
	}
	return fmt.Sprintf("kubeconfig is locked: %s still exists after waiting %s%s; "+
		"another kubectl, kind or localcluster is writing the file, "+
		"or one was killed while writing it: if none is running, remove %s and try again",
		e.Lock, roundDuration(e.Waited), detail, e.Lock)
}

func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// lockName is where kubectl, client-go and kind put the lock for filename.
func lockName(filename string) string {
	return filename + ".lock"
}

// acquireLocks takes the locks for files in order and returns a function that
// releases them. Callers always pass the files in the same order (the name
// given, then the symlink-resolved name), so two writers cannot deadlock.
func acquireLocks(files []string, timeout time.Duration) (release func(), err error) {
	deadline := time.Now().Add(timeout)
	var held []string
	release = func() {
		for i := len(held) - 1; i >= 0; i-- {
			_ = os.Remove(held[i])
		}
	}
	for _, f := range files {
		name := lockName(f)
		if err := acquireLock(name, deadline, timeout); err != nil {
			release()
			return nil, err
		}
		held = append(held, name)
	}
	return release, nil
}

// acquireLock creates name exclusively, retrying until deadline. Like
// client-go it relies on O_EXCL, which every tool touching kubeconfig honours.
func acquireLock(name string, deadline time.Time, timeout time.Duration) error {
	backoff := minLockBackoff
	for {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			// The PID only helps a person judging a stale lock.
			_, werr := f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
			cerr := f.Close()
			if werr != nil || cerr != nil {
				_ = os.Remove(name)
				return fmt.Errorf("write lock file %s: %w", name, errors.Join(werr, cerr))
			}
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create lock file: %w", err)
		}
		if removeDeadHolders(name) {
			continue
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return lockTimeout(name, timeout)
		}
		sleep := backoff/2 + rand.N(backoff/2+1)
		time.Sleep(min(sleep, wait))
		backoff = min(2*backoff, maxLockBackoff)
	}
}

// removeDeadHolders removes a lock that a localcluster process killed
// while writing left behind: the file names its pid, and there is no such
// process any more. kubectl and kind write no pid; their locks are only
// waited for. The file is read again just before it is removed, so a lock
// another writer has taken meanwhile (with its own, living pid) stays.
func removeDeadHolders(name string) bool {
	pid := lockPID(name)
	if pid <= 0 || pid == os.Getpid() || !processGone(pid) {
		return false
	}
	if lockPID(name) != pid {
		return false
	}
	return os.Remove(name) == nil
}

// lockPID is the pid a lock file names, 0 when it names none.
func lockPID(name string) int {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func lockTimeout(name string, waited time.Duration) *LockError {
	e := &LockError{Lock: name, Waited: waited}
	if fi, err := os.Stat(name); err == nil {
		e.Age = time.Since(fi.ModTime())
	}
	e.PID = lockPID(name)
	return e
}
