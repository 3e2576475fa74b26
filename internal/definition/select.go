package definition

import (
	"fmt"
	"strings"
)

// Cluster returns the named cluster, or nil.
func (l *Lab) Cluster(name string) *Cluster {
	for _, c := range l.Clusters {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Names returns the names of the lab's clusters, sorted.
func (l *Lab) Names() []string {
	names := make([]string, len(l.Clusters))
	for i, c := range l.Clusters {
		names[i] = c.Name
	}
	return names
}

// Select returns the named clusters in the order given, each once; no names
// means every cluster. Names the lab does not have give one
// *UnknownClustersError naming all of them.
func (l *Lab) Select(names []string) ([]*Cluster, error) {
	if len(names) == 0 {
		return append([]*Cluster(nil), l.Clusters...), nil
	}
	var selected []*Cluster
	var unknown []string
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		if c := l.Cluster(name); c != nil {
			selected = append(selected, c)
		} else {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return nil, &UnknownClustersError{Unknown: unknown, Available: l.Names()}
	}
	return selected, nil
}

// UnknownClustersError is a selection naming clusters the lab does not
// have: a mistake in the command line.
type UnknownClustersError struct {
	Unknown   []string // in the order given
	Available []string // the lab's cluster names, sorted
}

func (e *UnknownClustersError) Error() string {
	quoted := make([]string, len(e.Unknown))
	for i, name := range e.Unknown {
		quoted[i] = fmt.Sprintf("%q", name)
		if s := closest(name, e.Available); s != "" {
			quoted[i] += fmt.Sprintf(" (did you mean %q?)", s)
		}
	}
	what := "unknown cluster"
	if len(e.Unknown) > 1 {
		what = "unknown clusters"
	}
	have := "the lab has no clusters"
	if len(e.Available) > 0 {
		have = "the lab has " + strings.Join(e.Available, ", ")
	}
	return fmt.Sprintf("%s %s; %s", what, strings.Join(quoted, ", "), have)
}
