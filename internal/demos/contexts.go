package demos

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// labClusters reads the cluster names of the labs under dirs (a
// localcluster DIRS argument, relative to base): every sma.yaml below them.
// Unreadable files are left to localcluster's own check.
func labClusters(base, dirs string) []string {
	var names []string
	for _, d := range strings.Split(dirs, ",") {
		_ = filepath.WalkDir(filepath.Join(base, d), func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || e.Name() != "sma.yaml" {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			var def struct {
				Metadata struct{ Name string } `json:"metadata"`
			}
			if yaml.Unmarshal(data, &def) == nil && def.Metadata.Name != "" {
				names = append(names, def.Metadata.Name)
			}
			return nil
		})
	}
	return names
}

// checkContext: a workshop names the cluster of every kubectl and helm
// call (the presenter's current context is anyone's guess), and names one
// of the clusters of the labs it has used so far.
func (s *state) checkContext(pos Pos, tool, flag, context string) {
	if context == "" {
		s.add(pos, "%s without %s: it would act on whatever the presenter's current context is", tool, flag)
		return
	}
	if len(s.clusters) == 0 || s.clusters[context] {
		return
	}
	names := make([]string, 0, len(s.clusters))
	for n := range s.clusters {
		names = append(names, n)
	}
	sort.Strings(names)
	s.add(pos, "%s %s=%s: no such cluster in the labs the workshop uses (%s)", tool, flag, context, strings.Join(names, ", "))
}
