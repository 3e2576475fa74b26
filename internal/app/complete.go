package app

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/definition"
)

// completeClusters completes the directories argument, then the names of
// the clusters found there.
func completeClusters(_ *GlobalOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return nil, cobra.ShellCompDirectiveFilterDirs
		}
		lab, err := definition.Load(definition.SplitDirs(args[0]))
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		given := map[string]bool{}
		for _, a := range args[1:] {
			given[a] = true
		}
		var names []string
		for _, c := range lab.Clusters {
			if !given[c.Name] {
				names = append(names, c.Name)
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeDirs completes the first argument with directories and leaves
// the rest alone (images load: the images are the user's).
func completeDirs(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

func clusterNames(l *loadedLab) string {
	var names []string
	for _, c := range l.Lab.Clusters {
		names = append(names, c.Name)
	}
	return joinAnd(names)
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return "none"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
