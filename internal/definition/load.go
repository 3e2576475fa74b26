package definition

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SplitDirs splits the command line's comma-separated directory list,
// trimming blanks and dropping empty entries: "clusters, more," gives
// ["clusters", "more"].
func SplitDirs(arg string) []string {
	var dirs []string
	for _, d := range strings.Split(arg, ",") {
		if d = strings.TrimSpace(d); d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// Load reads the lab defined in dirs: every sma.yaml found by walking each
// directory (hidden directories are skipped, symlinked ones followed once),
// the mc-values.yaml beside each, and the lab.yaml at the root of each
// directory. It checks every file and the clusters against each other, and
// returns every problem at once as Problems.
func Load(dirs []string) (*Lab, error) {
	if len(dirs) == 0 {
		return nil, Problems{{Msg: `no directories given; pass a comma-separated list of directories that hold the clusters' sma.yaml files, e.g. "clusters"`}}
	}
	l := &loader{files: map[string]bool{}}
	for _, dir := range dirs {
		l.scanRoot(dir)
	}
	if len(l.clusterFiles) == 0 && len(l.problems) == 0 {
		l.problems.add(Pos{File: strings.Join(dirs, ",")}, "", "no %s found (only %s); each cluster needs a directory with an %s",
			ClusterFileName, LabFileName, ClusterFileName)
	}
	lab := &Lab{}
	l.loadSettings(lab)
	var clusters []*Cluster
	for _, file := range l.clusterFiles {
		if c := l.loadCluster(file); c != nil {
			clusters = append(clusters, c)
		}
	}
	l.problems = append(l.problems, checkLab(clusters, dirs, len(clusters) < len(l.clusterFiles))...)
	if len(l.problems) > 0 {
		l.problems.Sort()
		return nil, l.problems
	}
	sort.Slice(clusters, func(i, j int) bool { return clusters[i].Name < clusters[j].Name })
	lab.Clusters = clusters
	return lab, nil
}

type loader struct {
	clusterFiles []string
	labFiles     []string
	files        map[string]bool // real paths of the files already listed
	problems     Problems
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
	if path := filepath.Join(dir, LabFileName); isFile(path) {
		hasLab = true
		l.list(&l.labFiles, path)
	}
	found := 0
	l.walk(dir, map[string]bool{}, &found)
	if found == 0 && !hasLab {
		l.problems.add(where, "", "no %s found in this directory or below it (hidden directories are skipped); each cluster needs a directory with an %s",
			ClusterFileName, ClusterFileName)
	}
}

// walk lists the sma.yaml files under dir. visited holds the real paths of
// the directories already walked from this root, so that symlinks cannot
// lead into a loop or list a directory twice.
func (l *loader) walk(dir string, visited map[string]bool, found *int) {
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		l.problems.add(Pos{File: dir}, "", "cannot read directory: %v", pathErr(err))
		return
	}
	if visited[resolved] {
		return
	}
	visited[resolved] = true
	entries, err := os.ReadDir(dir)
	if err != nil {
		l.problems.add(Pos{File: dir}, "", "cannot read directory: %v", pathErr(err))
		return
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			fi, err := os.Stat(path)
			if err != nil {
				continue // a dangling link is none of ours
			}
			mode = fi.Mode().Type()
		}
		switch {
		case mode.IsDir() && !strings.HasPrefix(e.Name(), "."):
			l.walk(path, visited, found)
		case mode.IsRegular() && e.Name() == ClusterFileName:
			*found++
			l.list(&l.clusterFiles, path)
		}
	}
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

func (l *loader) loadSettings(lab *Lab) {
	var m settingsMerge
	for _, file := range l.labFiles {
		data, err := os.ReadFile(file)
		if err != nil {
			l.problems.add(Pos{File: file}, "", "cannot read: %v", pathErr(err))
			continue
		}
		s, pos, problems := parseLab(file, data)
		problems = append(problems, checkLocalRepos(s, pos)...)
		if len(problems) > 0 {
			l.problems = append(l.problems, problems...)
			continue
		}
		if lab.SettingsFile == "" {
			lab.SettingsFile = file
		}
		m.add(s, pos)
	}
	l.problems = append(l.problems, m.problems...)
	lab.Settings, lab.SettingsPos = m.settings, m.pos
}

// checkLocalRepos checks that local chart paths exist.
func checkLocalRepos(s Settings, pos map[string]Pos) Problems {
	var problems Problems
	for _, r := range []struct{ path, repo string }{
		{"spec.linkerd.repo", s.Linkerd.Repo}, {"spec.metallb.repo", s.MetalLB.Repo},
	} {
		if r.repo == "" || strings.Contains(r.repo, "://") {
			continue
		}
		if _, err := os.Stat(r.repo); err != nil {
			problems.add(pos[r.path], r.path, "local chart path %s: %v; give an https:// or oci:// repository, or a path relative to lab.yaml's directory",
				r.repo, pathErr(err))
		}
	}
	return problems
}

// loadCluster reads one sma.yaml and its mc-values.yaml.
func (l *loader) loadCluster(file string) *Cluster {
	data, err := os.ReadFile(file)
	if err != nil {
		l.problems.add(Pos{File: file}, "", "cannot read: %v", pathErr(err))
		return nil
	}
	c, problems := parseCluster(file, data)
	l.problems = append(l.problems, problems...)
	if c == nil {
		return nil
	}
	values := filepath.Join(c.Dir, MCValuesFileName)
	if !isFile(values) {
		return c
	}
	data, err = os.ReadFile(values)
	if err != nil {
		l.problems.add(Pos{File: values}, "", "cannot read: %v", pathErr(err))
		return c
	}
	c.MCValues, problems = parseValues(values, data)
	c.MCValuesFile = values
	l.problems = append(l.problems, problems...)
	return c
}

// checkLab checks the clusters against each other: unique names, and
// gateway links that name other clusters of the lab.
// Some cluster files may have yielded no name (unnamed), in which case a
// link to an unknown cluster may be a link to one of them.
func checkLab(clusters []*Cluster, dirs []string, unnamed bool) Problems {
	var problems Problems
	byName := map[string][]*Cluster{}
	var names []string
	for _, c := range clusters {
		if c.Name == "" {
			unnamed = true
			continue
		}
		if len(byName[c.Name]) == 0 {
			names = append(names, c.Name)
		}
		byName[c.Name] = append(byName[c.Name], c)
	}
	sort.Strings(names)
	for _, name := range names {
		same := byName[name]
		for _, c := range same {
			var others []string
			for _, other := range same {
				if other != c {
					others = append(others, other.Pos["metadata.name"].String())
				}
			}
			if len(others) > 0 {
				problems.add(c.Pos["metadata.name"], "metadata.name", "cluster %q is also defined in %s; cluster names must be unique, rename all but one",
					name, andList(others))
			}
		}
	}
	known := fmt.Sprintf("the clusters found in %q are %s", strings.Join(dirs, ","), strings.Join(names, ", "))
	if len(names) == 0 {
		known = fmt.Sprintf("no cluster with a valid name was found in %q", strings.Join(dirs, ","))
	}
	if unnamed {
		known += " (clusters whose name could not be read are not listed)"
	}
	for _, c := range clusters {
		problems = append(problems, checkLinks(c, byName, names, known)...)
	}
	return problems
}

// checkLinks checks one cluster's gateway links; known says which clusters
// there are, for messages.
func checkLinks(c *Cluster, byName map[string][]*Cluster, names []string, known string) Problems {
	var problems Problems
	first := map[string]string{}
	for i, target := range c.GatewayLinks {
		path := fmt.Sprintf("spec.gatewayLinks[%d]", i)
		pos, ok := c.Pos[path]
		switch {
		case !ok || strings.TrimSpace(target) == "":
			// Reported when the file was parsed.
		case target == c.Name:
			problems.add(pos, path, "%q is this cluster itself; a cluster cannot link to itself", target)
		case first[target] != "":
			problems.add(pos, path, "%q is listed twice (first as %s); remove one", target, first[target])
		case len(byName[target]) == 0:
			msg := fmt.Sprintf("unknown cluster %q", target)
			if s := closest(target, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			problems.add(pos, path, "%s; %s", msg, known)
		}
		if first[target] == "" {
			first[target] = path
		}
	}
	return problems
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// pathErr drops the path from an os error; the problem already names it.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// andList joins words as "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
