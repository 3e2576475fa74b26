package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/localcluster/localcluster/internal/kubeconfig"
)

// validate checks the global flags, and the environment that stands in for
// them, before anything is loaded or changed: in dry-run too, so that a
// dry-run that succeeds means the real run will not stop on them. Every
// problem is reported at once, as a usage error.
func (g *GlobalOptions) validate() error {
	var problems []string
	add := func(msg string) {
		if msg != "" {
			problems = append(problems, msg)
		}
	}
	if g.Parallel < 1 {
		add(fmt.Sprintf("--parallel %d: want 1 or more (how many steps may run at once)", g.Parallel))
	}
	add(checkTrustDir(g.TrustDir))
	add(checkKubeconfigFlag(g.Kubeconfig, os.Getenv))
	if len(problems) == 0 {
		return nil
	}
	return &UsageError{Err: errors.New(strings.Join(problems, "\n"))}
}

// checkTrustDir checks --trust-dir: a directory, or a path where one can
// be made.
func checkTrustDir(dir string) string {
	const flag = "--trust-dir"
	if strings.TrimSpace(dir) == "" {
		return flag + " is empty; give the directory for the trust anchor, e.g. ./certs"
	}
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Sprintf("%s %s is a file, not a directory; give the directory that holds (or will hold) root.crt and root.key", flag, dir)
	case err == nil:
		return ""
	case !missing(err):
		return fmt.Sprintf("%s %s: %v", flag, dir, pathErr(err))
	}
	return checkCreatable(flag, dir, "directory")
}

// checkKubeconfigFlag checks the kubeconfig file that would be written
// (--kubeconfig, else $KUBECONFIG, else ~/.kube/config) and every file
// $KUBECONFIG lists, as kubectl would read them all.
func checkKubeconfigFlag(explicit string, getenv func(string) string) string {
	home, err := os.UserHomeDir()
	if err != nil && explicit == "" && getenv(kubeconfig.EnvVar) == "" {
		return fmt.Sprintf("cannot find the default kubeconfig ~/.kube/config: %v; set HOME, or give the file with --kubeconfig or $%s", err, kubeconfig.EnvVar)
	}
	path := kubeconfig.Path(explicit, getenv, home)
	source := "--kubeconfig " + path
	switch {
	case explicit != "":
	case getenv(kubeconfig.EnvVar) != "":
		source = fmt.Sprintf("%s (from $%s)", path, kubeconfig.EnvVar)
	default:
		source = path
	}
	var problems []string
	if msg := checkWritableFile(source, path); msg != "" {
		problems = append(problems, msg)
	}
	if explicit == "" {
		for _, f := range filepath.SplitList(getenv(kubeconfig.EnvVar)) {
			if fi, err := os.Stat(f); f != path && err == nil && !fi.Mode().IsRegular() {
				problems = append(problems, fmt.Sprintf("$%s lists %s, which is not a file; remove it from the list", kubeconfig.EnvVar, f))
			}
		}
	}
	return strings.Join(problems, "\n")
}

// checkWritableFile checks that path is a file that can be written, or can
// be created.
func checkWritableFile(what, path string) string {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Sprintf("%s is a directory; the kubeconfig must be a file: give a file name such as %s", what, filepath.Join(path, "config"))
	case err == nil && !fi.Mode().IsRegular():
		return fmt.Sprintf("%s is not a regular file; give a kubeconfig file", what)
	case err == nil:
		if err := kubeconfig.CheckWritable(path); err != nil {
			return fmt.Sprintf("%s: %v", what, err)
		}
		if err := kubeconfig.CheckValid(path); err != nil {
			return fmt.Sprintf("%s: %v; repair it (kubectl config view says what kubectl makes of it) or give another file with --kubeconfig", what, err)
		}
		return ""
	case !missing(err):
		return fmt.Sprintf("%s: %v", what, pathErr(err))
	}
	return checkCreatable(what, path, "file")
}

// checkCreatable checks that path, which does not exist, could be
// created: its nearest existing ancestor is a directory that can be
// written.
func checkCreatable(what, path, kind string) string {
	parent := filepath.Dir(filepath.Clean(path))
	for {
		fi, err := os.Stat(parent)
		switch {
		case err == nil && !fi.IsDir():
			return fmt.Sprintf("%s cannot be created: %s is a file, not a directory", what, parent)
		case err == nil:
			if err := canWrite(parent); err != nil {
				return fmt.Sprintf("%s cannot be created: directory %s cannot be written (%v); give a %s somewhere you can write", what, parent, err, kind)
			}
			return ""
		case !missing(err):
			return fmt.Sprintf("%s cannot be created: %v", what, pathErr(err))
		}
		next := filepath.Dir(parent)
		if next == parent {
			return ""
		}
		parent = next
	}
}

// missing reports whether err says a path is not there, including when a
// component of it is a file (which checkCreatable then names).
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// pathErr drops the path from an os error; the message already names it.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
