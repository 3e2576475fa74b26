package kubeconfig

import (
	"errors"
	"fmt"
	"net/url"
	"slices"

	"gopkg.in/yaml.v3"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// entryNodes are the three entries Merge puts into the file.
type entryNodes struct {
	cluster, context, user *yaml.Node
}

// entries renames the provider's entries to e.Name, points the cluster at
// e.Server, and returns them as YAML, with the provider's names for them
// that Merge should drop from the file.
func (e Entry) entries() (entryNodes, names, error) {
	if e.Name == "" {
		return entryNodes{}, names{}, errors.New("empty cluster name")
	}
	if err := checkServer(e.Server); err != nil {
		return entryNodes{}, names{}, err
	}
	src, err := clientcmd.Load(e.Config)
	if err != nil {
		return entryNodes{}, names{}, fmt.Errorf("provider kubeconfig: %w", err)
	}
	ctxName, err := providerContext(src)
	if err != nil {
		return entryNodes{}, names{}, err
	}
	ctx := src.Contexts[ctxName]
	cluster, user := src.Clusters[ctx.Cluster], src.AuthInfos[ctx.AuthInfo]
	if cluster == nil || user == nil {
		return entryNodes{}, names{}, fmt.Errorf("provider kubeconfig: context %q needs cluster %q and user %q, which it lacks",
			ctxName, ctx.Cluster, ctx.AuthInfo)
	}

	out := clientcmdapi.NewConfig()
	out.Clusters[e.Name] = cluster.DeepCopy()
	out.Clusters[e.Name].Server = e.Server
	out.AuthInfos[e.Name] = user.DeepCopy()
	out.Contexts[e.Name] = ctx.DeepCopy()
	out.Contexts[e.Name].Cluster = e.Name
	out.Contexts[e.Name].AuthInfo = e.Name
	data, err := clientcmd.Write(*out)
	if err != nil {
		return entryNodes{}, names{}, err
	}
	t, err := parseTree(data)
	if err != nil {
		return entryNodes{}, names{}, err
	}
	nodes := entryNodes{
		cluster: t.entry(clustersKey, e.Name),
		context: t.entry(contextsKey, e.Name),
		user:    t.entry(usersKey, e.Name),
	}
	return nodes, staleNames(e.Name, flatten(e.Aliases), ctxName, ctx), nil
}

// providerContext picks the context of a provider's kubeconfig: the current
// one, or the only one.
func providerContext(src *clientcmdapi.Config) (string, error) {
	if src.CurrentContext != "" {
		if src.Contexts[src.CurrentContext] == nil {
			return "", fmt.Errorf("provider kubeconfig: current-context %q does not exist", src.CurrentContext)
		}
		return src.CurrentContext, nil
	}
	if len(src.Contexts) == 1 {
		for name := range src.Contexts {
			return name, nil
		}
	}
	return "", fmt.Errorf("provider kubeconfig: %d contexts and no current-context; want one", len(src.Contexts))
}

// staleNames are the provider's names for the entries being renamed, when
// they are among the aliases the provider gives this cluster's entries.
// Other names (a raw k3s "default", say) might be the user's own, so they
// are never dropped.
func staleNames(name string, known names, ctxName string, ctx *clientcmdapi.Context) names {
	pick := func(n string, from []string) []string {
		if n != name && slices.Contains(from, n) {
			return []string{n}
		}
		return nil
	}
	return names{
		contexts: pick(ctxName, known.contexts),
		clusters: pick(ctx.Cluster, known.clusters),
		users:    pick(ctx.AuthInfo, known.users),
	}
}

// checkServer rejects addresses other clusters could not use, such as the
// "https://:6443" a missing node IP produces.
func checkServer(server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.Port() == "" {
		return fmt.Errorf("server %q is not an https://<host>:<port> address", server)
	}
	return nil
}
