package definition

import (
	"context"
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
	return LoadContext(context.Background(), dirs)
}

// LoadContext is Load that stops, returning ctx's error, when ctx is done.
// The search is bounded: a directory tree with more than MaxSearchDirs
// directories is refused as not being a lab.
func LoadContext(ctx context.Context, dirs []string) (*Lab, error) {
	if len(dirs) == 0 {
		return nil, Problems{{Msg: `no directories given; pass a comma-separated list of directories that hold the clusters' sma.yaml files, e.g. "clusters"`}}
	}
	return loadContext(ctx, dirs, MaxSearchDirs)
}

// loadContext is LoadContext with a search budget of maxDirs directories.
func loadContext(ctx context.Context, dirs []string, maxDirs int) (*Lab, error) {
	l := &loader{ctx: ctx, files: map[string]bool{}, budget: maxDirs, maxDirs: maxDirs}
	for _, dir := range dirs {
		l.scanRoot(dir)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("loading the lab: %w", err)
	}
	if l.stopped {
		// What was found is part of something else: checking those files
		// would only bury the one message that matters.
		l.problems.Sort()
		return nil, l.problems
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
	ctx          context.Context
	clusterFiles []string
	labFiles     []string
	files        map[string]bool // real paths of the files already listed
	budget       int             // directories the search may still open
	maxDirs      int             // the whole budget, for messages
	stopped      bool            // the budget ran out
	problems     Problems
}

func (l *loader) loadSettings(lab *Lab) {
	var m settingsMerge
	for _, file := range l.labFiles {
		data, p := readDefinition(file)
		if p != nil {
			l.problems = append(l.problems, *p)
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
	data, p := readDefinition(file)
	if p != nil {
		l.problems = append(l.problems, *p)
		return nil
	}
	c, problems := parseCluster(file, data)
	l.problems = append(l.problems, problems...)
	if c == nil {
		return nil
	}
	values := filepath.Join(c.Dir, MCValuesFileName)
	if _, exists := describeNonFile(values); !exists {
		return c
	}
	data, p = readDefinition(values)
	if p != nil {
		l.problems = append(l.problems, *p)
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
