package definition

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxSearchDirs bounds the search for sma.yaml files: a lab is a handful
// of directories, and a search root like "/" or a home directory is a
// mistake that would otherwise take minutes.
const MaxSearchDirs = 10000

// pseudoFS are directories whose contents are made up by the kernel: never
// a lab, and endless or unreadable to walk.
var pseudoFS = map[string]bool{"/proc": true, "/sys": true, "/dev": true}

// maxUnreadable is how many unreadable directories of one root are named
// before the rest are only counted.
const maxUnreadable = 3

// search is the walk of one given directory.
type search struct {
	root       string
	visited    map[string]bool // real paths of the directories walked
	found      int             // sma.yaml files found
	unreadable []string        // "dir: reason"
	stopped    string          // the directory where the budget ran out
}

// scanRoot finds the definition files of one given directory.
func (l *loader) scanRoot(dir string) {
	where := Pos{File: dir}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		l.problems.add(where, "", "no such directory; pass the directory that holds your cluster directories, e.g. \"clusters\"")
		return
	case err != nil:
		l.problems.add(where, "", "cannot read: %v", pathErr(err))
		return
	case !fi.IsDir() && filepath.Base(dir) == ClusterFileName:
		l.problems.add(where, "", "this is a file; pass the directory that holds it: %s", filepath.Dir(dir))
		return
	case !fi.IsDir():
		l.problems.add(where, "", "not a directory; pass the directory that holds your cluster directories")
		return
	}
	hasLab := false
	path := filepath.Join(dir, LabFileName)
	if msg, exists := describeNonFile(path); exists {
		hasLab = true
		if msg != "" {
			l.problems.add(Pos{File: path}, "", "%s", msg)
		} else {
			l.list(&l.labFiles, path)
		}
	}
	s := &search{root: dir, visited: map[string]bool{}}
	if resolved, err := filepath.EvalSymlinks(dir); err != nil {
		s.unreadable = append(s.unreadable, fmt.Sprintf("%s (%v)", dir, pathErr(err)))
	} else {
		l.walk(s, dir, resolved)
	}
	if l.ctx.Err() != nil {
		return
	}
	l.reportUnreadable(s)
	switch {
	case s.stopped != "":
		l.problems.add(where, "", "searched %d directories for %s without coming to the end (stopped at %s); this does not look like a lab: pass the directory that holds your cluster directories, e.g. \"clusters\"",
			l.maxDirs, ClusterFileName, s.stopped)
	case s.found == 0 && !hasLab && len(s.unreadable) == 0:
		l.problems.add(where, "", "no %s found in this directory or below it (hidden directories are skipped); each cluster needs a directory with an %s",
			ClusterFileName, ClusterFileName)
	}
}

// walk lists the sma.yaml files under dir, whose real path is resolved,
// reporting those that are not regular files. It stops when the context is
// done or the search budget runs out.
func (l *loader) walk(s *search, dir, resolved string) {
	if l.ctx.Err() != nil || s.stopped != "" {
		return
	}
	if s.visited[resolved] || (pseudoFS[resolved] && dir != s.root) {
		return
	}
	s.visited[resolved] = true
	if l.budget <= 0 {
		s.stopped, l.stopped = dir, true
		return
	}
	l.budget--
	entries, err := os.ReadDir(dir)
	if err != nil {
		s.unreadable = append(s.unreadable, fmt.Sprintf("%s (%v)", dir, pathErr(err)))
		return
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if e.Name() == ClusterFileName {
			l.clusterFile(s, path)
			continue
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		switch {
		case e.IsDir():
			// Only symlinks need resolving: this keeps the search to one
			// system call per directory.
			l.walk(s, path, filepath.Join(resolved, e.Name()))
		case e.Type()&fs.ModeSymlink != 0:
			fi, err := os.Stat(path)
			if err != nil || !fi.IsDir() {
				continue // a dangling link is none of ours
			}
			target, err := filepath.EvalSymlinks(path)
			if err != nil {
				s.unreadable = append(s.unreadable, fmt.Sprintf("%s (%v)", path, pathErr(err)))
				continue
			}
			l.walk(s, path, target)
		}
	}
}

// clusterFile lists a file named sma.yaml, or reports why it cannot be
// read: a cluster must not silently drop out of the lab.
func (l *loader) clusterFile(s *search, path string) {
	s.found++ // even a broken one: "no sma.yaml found" would mislead
	if msg, _ := describeNonFile(path); msg != "" {
		l.problems.add(Pos{File: path}, "", "%s", msg)
		return
	}
	l.list(&l.clusterFiles, path)
}

// reportUnreadable reports the directories of one search that could not be
// read: each of the first few, then a count, so that a search over
// someone else's files does not print thousands of lines.
func (l *loader) reportUnreadable(s *search) {
	if len(s.unreadable) == 0 {
		return
	}
	shown := s.unreadable
	if len(shown) > maxUnreadable {
		shown = shown[:maxUnreadable]
	}
	msg := fmt.Sprintf("cannot read %s", strings.Join(shown, ", "))
	if more := len(s.unreadable) - len(shown); more > 0 {
		msg += fmt.Sprintf(" and %d more directories", more)
	}
	l.problems.add(Pos{File: s.root}, "", "%s; clusters there would be missing from the lab: fix the permissions or pass only the directories that hold the lab", msg)
}

// list appends path to files unless the same file is already listed under
// another path (overlapping directories, symlinks).
func (l *loader) list(files *[]string, path string) {
	key := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		key = resolved
	}
	if !l.files[key] {
		l.files[key] = true
		*files = append(*files, path)
	}
}
