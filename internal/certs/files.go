package certs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// pair is a certificate file and its key file as found on disk.
type pair struct {
	crtPath, keyPath string
	crt, key         []byte // nil when the file does not exist
}

func readPair(crtPath, keyPath string) (pair, error) {
	p := pair{crtPath: crtPath, keyPath: keyPath}
	var err error
	if p.crt, err = readIfExists(crtPath); err != nil {
		return p, err
	}
	p.key, err = readIfExists(keyPath)
	return p, err
}

// readIfExists returns nil, nil for a missing file and a non-nil slice for
// an empty one, so that callers can tell the two apart.
func readIfExists(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

func (p pair) missing() bool { return p.crt == nil && p.key == nil }

// complete says which file of a half pair is missing.
func (p pair) complete() error {
	switch {
	case p.crt == nil && p.key != nil:
		return fmt.Errorf("%s is missing but %s exists", p.crtPath, p.keyPath)
	case p.key == nil && p.crt != nil:
		return fmt.Errorf("%s is missing but %s exists", p.keyPath, p.crtPath)
	}
	return nil
}

// writePair replaces both files atomically. Both are fully written to
// temporary files before either is renamed, so a failure leaves the old
// pair as it was, and a crash at worst between two renames.
func writePair(crtPath, keyPath string, crtPEM, keyPEM []byte) error {
	keyTmp, err := writeTemp(keyPath, keyPEM, 0o600)
	if err != nil {
		return err
	}
	crtTmp, err := writeTemp(crtPath, crtPEM, 0o644)
	if err != nil {
		_ = os.Remove(keyTmp)
		return err
	}
	if err := os.Rename(keyTmp, keyPath); err != nil {
		_ = os.Remove(keyTmp)
		_ = os.Remove(crtTmp)
		return err
	}
	if err := os.Rename(crtTmp, crtPath); err != nil {
		_ = os.Remove(crtTmp)
		return err
	}
	syncDir(filepath.Dir(keyPath))
	if filepath.Dir(crtPath) != filepath.Dir(keyPath) {
		syncDir(filepath.Dir(crtPath))
	}
	return nil
}

// writeTemp writes data to a new file beside path and returns its name.
// os.CreateTemp makes the file 0600, so a key is never readable by others,
// not even for a moment; Chmod then sets the exact mode, whatever the umask.
func writeTemp(path string, data []byte, perm os.FileMode) (name string, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// A temp file for the same file is what a writer killed before its
	// rename left: the lab's lock keeps two writers of one lab apart.
	if stale, _ := filepath.Glob(filepath.Join(dir, "."+filepath.Base(path)+".*.tmp")); len(stale) > 0 {
		for _, name := range stale {
			_ = os.Remove(name)
		}
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return "", err
	}
	if _, err = f.Write(data); err != nil {
		return "", err
	}
	if err = f.Sync(); err != nil {
		return "", err
	}
	if err = f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// syncDir makes a rename durable. It is best effort: some file systems
// cannot sync a directory, which is no reason to fail after the files
// themselves are safely written.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
