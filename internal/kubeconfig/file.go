package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// newFileMode is the mode of a kubeconfig we create, as kubectl does: it holds
// private keys.
const newFileMode fs.FileMode = 0o600

// newDirMode matches client-go for the directory it creates (~/.kube).
const newDirMode fs.FileMode = 0o755

// maxSymlinks bounds symlink chains, as the kernel does, to stop on loops.
const maxSymlinks = 40

// resolve returns the file that path finally names, following symlinks even
// when the target does not exist yet. Writing through the link, not over it,
// keeps set-ups where ~/.kube/config points into a dotfiles repository.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	for range maxSymlinks {
		resolved, err := filepath.EvalSymlinks(abs)
		if err == nil {
			return resolved, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		fi, err := os.Lstat(abs)
		if errors.Is(err, fs.ErrNotExist) {
			// Not there yet: resolve the directory it will be created in.
			dir, err := resolveDir(filepath.Dir(abs))
			if err != nil {
				return "", err
			}
			return filepath.Join(dir, filepath.Base(abs)), nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return "", fmt.Errorf("resolve %s: unexpected file type %s", abs, fi.Mode().Type())
		}
		// A dangling link: follow it by hand to the file to create.
		target, err := os.Readlink(abs)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			// Relative to where the link really is, for targets with "..".
			dir, err := resolveDir(filepath.Dir(abs))
			if err != nil {
				return "", err
			}
			target = filepath.Join(dir, target)
		}
		abs = target
	}
	return "", fmt.Errorf("resolve %s: too many levels of symbolic links", path)
}

// resolveDir resolves the longest existing prefix of dir.
func resolveDir(dir string) (string, error) {
	resolved, err := filepath.EvalSymlinks(dir)
	if err == nil {
		return resolved, nil
	}
	parent := filepath.Dir(dir)
	if !errors.Is(err, fs.ErrNotExist) || parent == dir {
		return "", err
	}
	realParent, err := resolveDir(parent)
	if err != nil {
		return "", err
	}
	return filepath.Join(realParent, filepath.Base(dir)), nil
}

// CheckWritable says why the kubeconfig at path must not be written, or
// returns nil (also when there is no such file yet). A file without write
// permission is refused even where it could be replaced: writeAtomic
// renames over it, which ignores the file's mode, and a user who made the
// file read-only (or root, whom permissions do not stop) would not expect
// it to change.
func CheckWritable(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode().Perm()&0o222 == 0:
		return fmt.Errorf("%s is read-only (mode %s), so it is left alone; make it writable (chmod u+w) or give another file with --kubeconfig", path, fi.Mode().Perm())
	}
	if err := canWrite(path); err != nil {
		return fmt.Errorf("%s cannot be written (%v), so it is left alone; fix its permissions or give another file with --kubeconfig", path, err)
	}
	return nil
}

// writeAtomic replaces path with data so that readers see the old or the new
// file, never a torn one: temp file in the same directory, fsync, rename,
// fsync of the directory. An existing file's mode (and, where possible, owner)
// is kept; a new one gets newFileMode.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, newDirMode); err != nil {
		return err
	}
	old, statErr := os.Stat(path)
	if statErr != nil && !errors.Is(statErr, fs.ErrNotExist) {
		return statErr
	}
	removeStaleTemps(dir, "."+filepath.Base(path)+".tmp-*")
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	mode := newFileMode
	if statErr == nil {
		mode = old.Mode().Perm()
		keepOwner(f, old)
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// removeStaleTemps removes the temp files of writes that never got to
// their rename: their writer was killed. writeAtomic runs under the
// file's lock, so no temp file of a write under way can exist.
func removeStaleTemps(dir, pattern string) {
	stale, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, name := range stale {
		_ = os.Remove(name)
	}
}

// syncDir makes the rename durable. Some systems cannot fsync a directory;
// the data is safe in the file by then, so failing here is not an error.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
