package kubeconfig

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

// Entry is one cluster's credentials to merge.
type Entry struct {
	// Name is the lab's cluster name. It becomes the name of the context,
	// the cluster and the user.
	Name string
	// Server is the API server as other clusters reach it,
	// https://<node IP>:6443 (IPv6 in brackets: use net.JoinHostPort).
	Server string
	// Config is the kubeconfig the provider produced, in YAML or JSON: kind's
	// (context, cluster and user kind-<name>) or k3d's (context and cluster
	// k3d-<name>, user admin@k3d-<name>). k3d hands out a
	// *clientcmdapi.Config; pass clientcmd.Write(*cfg). The context used is
	// its current-context, or its only context.
	Config []byte
	// Aliases are the names the provider's own tools give this cluster's
	// entries. Config's entries under these names, which kind or k3d may
	// also have written to the file, are dropped by the rename.
	Aliases []Names
}

// Names are the names of one cluster's context, cluster and user entries.
type Names struct {
	Context, Cluster, User string
}

// Options tunes Merge and Remove. The zero value is ready to use.
type Options struct {
	// LockTimeout bounds the wait for another writer's lock;
	// zero means DefaultLockTimeout.
	LockTimeout time.Duration
}

// Merge is Options{}.Merge.
func Merge(path string, e Entry) (changed bool, err error) {
	return Options{}.Merge(path, e)
}

// Remove is Options{}.Remove.
func Remove(path, name string, aliases ...Names) (changed bool, err error) {
	return Options{}.Remove(path, name, aliases...)
}

// Merge adds e to the kubeconfig at path, or replaces what an earlier Merge
// of the same name put there, under the kubeconfig lock.
//
// The provider's context, cluster and user are renamed to e.Name and the
// server is set to e.Server. Entries under the provider's names for them
// (kind-<name>, or k3d-<name> and admin@k3d-<name>), which kind or k3d may
// have written to the same file, are dropped, so the rename leaves no copy
// behind. current-context is set to e.Name only when it is empty or named
// the provider's context: the user's choice of context is kept.
// Everything else in the file is left as it was. The file and its directory
// are created if missing. When the file already holds exactly this, it is
// not written at all and changed is false.
func (o Options) Merge(path string, e Entry) (changed bool, err error) {
	entries, stale, err := e.entries()
	if err != nil {
		return false, fmt.Errorf("merge %s into kubeconfig: %w", e.Name, err)
	}
	changed, err = o.update(path, true, func(t *tree) (bool, error) {
		return mergeInto(t, e.Name, entries, stale)
	})
	if err != nil {
		return false, fmt.Errorf("merge %s into kubeconfig: %w", e.Name, err)
	}
	return changed, nil
}

// Remove deletes the context, cluster and user called name from the
// kubeconfig at path, and the entries under the provider's names for them
// (aliases: kind-<name>, say), under the kubeconfig lock. If
// current-context named one of them it is cleared. A missing file or entry
// is not an error; changed reports whether anything was removed.
func (o Options) Remove(path, name string, aliases ...Names) (changed bool, err error) {
	if name == "" {
		return false, errors.New("remove from kubeconfig: empty cluster name")
	}
	all := flatten(aliases)
	all.contexts = append(all.contexts, name)
	all.clusters = append(all.clusters, name)
	all.users = append(all.users, name)
	changed, err = o.update(path, false, func(t *tree) (bool, error) {
		return removeFrom(t, all)
	})
	if err != nil {
		return false, fmt.Errorf("remove %s from kubeconfig: %w", name, err)
	}
	return changed, nil
}

// names lists, per kubeconfig list, the names of one cluster's entries.
type names struct {
	contexts, clusters, users []string
}

// flatten lists the aliases' names per kubeconfig list.
func flatten(aliases []Names) names {
	var n names
	for _, a := range aliases {
		for _, x := range []struct {
			list *[]string
			name string
		}{{&n.contexts, a.Context}, {&n.clusters, a.Cluster}, {&n.users, a.User}} {
			if x.name != "" {
				*x.list = append(*x.list, x.name)
			}
		}
	}
	return n
}

// mergeInto puts the entries in under name and drops the stale ones.
func mergeInto(t *tree, name string, n entryNodes, stale names) (bool, error) {
	// An empty current-context is free to take; one naming the provider's
	// context was set by kind or k3d for this very cluster, so it follows
	// the rename.
	takeCurrent := t.currentContext() == "" || slices.Contains(stale.contexts, t.currentContext())
	changed, err := removeFrom(t, stale)
	if err != nil {
		return false, err
	}
	for _, u := range []struct {
		key  string
		item *yaml.Node
	}{{clustersKey, n.cluster}, {usersKey, n.user}, {contextsKey, n.context}} {
		c, err := t.upsert(u.key, name, u.item)
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	if takeCurrent {
		changed = t.setCurrentContext(name) || changed
	}
	return changed, nil
}

// removeFrom drops the entries named in drop and clears current-context if
// it named one of the dropped contexts.
func removeFrom(t *tree, drop names) (bool, error) {
	changed := false
	for _, r := range []struct {
		key   string
		names []string
	}{{contextsKey, drop.contexts}, {clustersKey, drop.clusters}, {usersKey, drop.users}} {
		c, err := t.remove(r.key, r.names...)
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	if slices.Contains(drop.contexts, t.currentContext()) {
		changed = t.setCurrentContext("") || changed
	}
	return changed, nil
}
