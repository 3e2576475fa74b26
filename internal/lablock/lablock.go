// Package lablock keeps two localcluster processes from changing one lab at
// the same time. A lab is what two invocations would collide on: its Docker
// network on one Docker engine. The lock is an OS lock (flock on unix) on a
// file per lab, so the kernel releases it when its holder exits or is
// killed; the file only tells the next invocation who holds it.
package lablock

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Lab names a lab for locking: its Docker network on one Docker engine.
type Lab struct {
	Network    string // the Docker network's name
	DockerHost string // the engine's address, e.g. unix:///var/run/docker.sock
}

// Dir is where the lock files live: $XDG_RUNTIME_DIR/localcluster when
// the session has one (a per-user tmpfs, emptied at logout and reboot,
// when no lock can be held anyway), else localcluster-<uid> in the system's
// temporary directory, as tmux and ssh-agent do. Neither is in HOME, so a
// command that fails leaves nothing in the user's files; Acquire makes the
// directory the user's alone (0700) and refuses one that is not.
func Dir(getenv func(string) string, tempDir string, uid int) string {
	if d := getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "localcluster")
	}
	return filepath.Join(tempDir, "localcluster-"+strconv.Itoa(uid))
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// File is the lock file of lab in dir: the network's name, for a person
// looking, and a hash of the network and the engine, so that labs of the
// same name on two engines do not share a lock.
func File(dir string, lab Lab) string {
	sum := sha256.Sum256([]byte(lab.DockerHost + "\x00" + lab.Network))
	name := unsafeName.ReplaceAllString(lab.Network, "_")
	if len(name) > 64 {
		name = name[:64]
	}
	return filepath.Join(dir, "lab-"+name+"-"+hex.EncodeToString(sum[:6])+".lock")
}

// HeldError says that another process holds the lab's lock.
type HeldError struct {
	Lab     Lab
	File    string
	PID     int    // the holder's pid, 0 when the file does not say
	Command string // the holder's command line, "" when the file does not say
}

func (e *HeldError) Error() string {
	var who []string
	if e.PID > 0 {
		who = append(who, "pid "+strconv.Itoa(e.PID))
	}
	if e.Command != "" {
		who = append(who, strconv.Quote(e.Command))
	}
	holder := "another localcluster"
	if len(who) > 0 {
		holder += " (" + strings.Join(who, ", ") + ")"
	}
	return fmt.Sprintf("%s is working on this lab (network %q); wait for it to finish, or stop it", holder, e.Lab.Network)
}

// ErrHeld matches every HeldError with errors.Is.
var ErrHeld = errors.New("lab is locked by another localcluster")

// Is makes errors.Is(err, ErrHeld) true for a HeldError.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Lock is a held lab lock.
type Lock struct {
	file *os.File
	path string
}

// Acquire takes the lock of lab in dir for the process, which runs
// command, without waiting: when another process holds it, the error is a
// *HeldError naming that process. A file left by a process that died
// holds no lock; it is taken and overwritten.
func Acquire(dir string, lab Lab, command string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lab lock: %w", err)
	}
	if err := ownDir(dir); err != nil {
		return nil, fmt.Errorf("lab lock: %w", err)
	}
	path := File(dir, lab)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("lab lock: %w", err)
		}
		held, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("lab lock %s: %w", path, err)
		}
		if !held {
			e := holder(f)
			_ = f.Close()
			e.Lab, e.File = lab, path
			return nil, e
		}
		// The holder before us removes the file before it unlocks: when
		// the name no longer leads to the file we locked, we locked a
		// removed file; start again with the one the name leads to now.
		if same, err := samePath(f, path); err != nil || !same {
			_ = f.Close()
			if err != nil {
				return nil, fmt.Errorf("lab lock %s: %w", path, err)
			}
			continue
		}
		l := &Lock{file: f, path: path}
		if err := l.describe(command); err != nil {
			_ = l.Release()
			return nil, fmt.Errorf("lab lock %s: %w", path, err)
		}
		return l, nil
	}
}

// describe writes who holds the lock, replacing what a dead holder wrote.
func (l *Lock) describe(command string) error {
	if err := l.file.Truncate(0); err != nil {
		return err
	}
	_, err := l.file.WriteAt([]byte(fmt.Sprintf("%d\n%s\n", os.Getpid(), command)), 0)
	return err
}

// holder reads who holds the lock from its file: a pid, then a command.
func holder(f *os.File) *HeldError {
	e := &HeldError{}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return e
	}
	pid, command, _ := strings.Cut(string(b), "\n")
	e.PID, _ = strconv.Atoi(strings.TrimSpace(pid))
	e.Command = strings.TrimSpace(command)
	return e
}

// Release removes the lock file and unlocks it. Removing first, while
// still holding the lock, is what lets Acquire tell a removed file apart.
func (l *Lock) Release() error {
	if l == nil || l.file == nil {
		return nil
	}
	rerr := os.Remove(l.path)
	if errors.Is(rerr, os.ErrNotExist) {
		rerr = nil
	}
	uerr := unlock(l.path)
	cerr := l.file.Close() // on unix, closing the last descriptor unlocks
	l.file = nil
	return errors.Join(rerr, uerr, cerr)
}

// Path is the lock's file.
func (l *Lock) Path() string { return l.path }
