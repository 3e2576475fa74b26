package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

func (o Options) lockTimeout() time.Duration {
	if o.LockTimeout > 0 {
		return o.LockTimeout
	}
	return DefaultLockTimeout
}

// update applies change to the kubeconfig at path under its lock and writes
// the result if change reports a change. With create unset a missing file is
// left missing.
func (o Options) update(path string, create bool, change func(*tree) (bool, error)) (bool, error) {
	target, locks, err := locate(path, create)
	if err != nil || target == "" {
		return false, err
	}
	if err := CheckWritable(target); err != nil {
		return false, err
	}
	release, err := acquireLocks(locks, o.lockTimeout())
	if err != nil {
		return false, err
	}
	defer release()

	t, err := readTree(target, create)
	if err != nil || t == nil {
		return false, err
	}
	changed, err := change(t)
	if err != nil || !changed {
		return false, err
	}
	out, err := t.encode()
	if err != nil {
		return false, err
	}
	if _, err := clientcmd.Load(out); err != nil {
		return false, fmt.Errorf("bug: updated kubeconfig would not load, %s is left alone: %w", target, err)
	}
	if err := writeAtomic(target, out); err != nil {
		return false, fmt.Errorf("write kubeconfig %s: %w", target, err)
	}
	return true, nil
}

// locate returns the real file behind path and the files to lock for it,
// creating directories if create is set. If it is not and there is no file,
// target is empty.
func locate(path string, create bool) (target string, locks []string, err error) {
	if path == "" {
		return "", nil, errors.New("no kubeconfig path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, err
	}
	if create {
		// The lock files need the directory; client-go creates it too.
		if err := os.MkdirAll(filepath.Dir(abs), newDirMode); err != nil {
			return "", nil, fmt.Errorf("create kubeconfig directory: %w", err)
		}
	}
	target, err = resolve(abs)
	if err != nil {
		return "", nil, fmt.Errorf("resolve kubeconfig %s: %w", path, err)
	}
	if !create {
		if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
			return "", nil, nil
		}
	} else if err := os.MkdirAll(filepath.Dir(target), newDirMode); err != nil {
		return "", nil, fmt.Errorf("create kubeconfig directory: %w", err)
	}
	return target, lockTargets(abs, target), nil
}

// readTree reads the kubeconfig at target; a missing file is an empty one
// if create is set, and nil otherwise.
func readTree(target string, create bool) (*tree, error) {
	data, err := os.ReadFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		data = nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil // removed by someone else since we looked
	case err != nil:
		return nil, err
	}
	return checkedTree(target, data)
}

// checkedTree parses data, the content of target, refusing what kubectl
// could not read: rewriting it might lose data.
func checkedTree(target string, data []byte) (*tree, error) {
	if _, err := clientcmd.Load(data); err != nil {
		return nil, fmt.Errorf("%s is not a valid kubeconfig, so it is left alone: %w", target, err)
	}
	t, err := parseTree(data)
	if err != nil {
		return nil, fmt.Errorf("%s %w, so it is left alone", target, err)
	}
	return t, nil
}

// CheckValid says whether an existing file at path could be updated: one
// that is not a kubeconfig (a truncated or hand-broken file) is refused
// before anything is done, with the reason. A missing file is fine.
func CheckValid(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = checkedTree(path, data)
	return err
}

// lockTargets are the files whose locks guard target. kubectl and kind lock
// the name they were given, which may be a symlink; other writers lock the
// resolved name. Taking both, given name first, excludes all of them without
// risk of deadlock: the resolved file is never a symlink, so it is always
// the last lock anyone takes.
func lockTargets(abs, target string) []string {
	given := abs
	if dir, err := resolveDir(filepath.Dir(abs)); err == nil {
		// Compare where the lock files really are: a symlinked directory
		// puts both names' locks in the same place.
		given = filepath.Join(dir, filepath.Base(abs))
	}
	if given == target {
		return []string{target}
	}
	return []string{given, target}
}
