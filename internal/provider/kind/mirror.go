package kind

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/provider/internal/dockerutil"
	"github.com/localcluster/localcluster/internal/shell"
)

// HostsDir is where containerd on a kind node reads per-registry host
// configuration (hosts.toml) when config_path points there. containerd
// reads it on every pull, so files written after the node started apply
// at once; this is how kind's own documentation sets up a local registry.
const HostsDir = "/etc/containerd/certs.d"

// configPathPatch points containerd's CRI plugin at HostsDir. kind's node
// image writes a version 2 containerd config, so the patch uses that
// format's plugin name.
const configPathPatch = `[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "` + HostsDir + `"`

// HostsTOML is containerd's host configuration for m: the mirror first,
// then the upstream registry (containerd tries the server last when every
// host failed).
func HostsTOML(m provider.Mirror) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# localcluster: pull %s through the lab's cache, falling back to %s\n", m.Registry, m.Registry)
	fmt.Fprintf(&b, "server = %s\n\n", strconv.Quote(m.Upstream()))
	fmt.Fprintf(&b, "[host.%s]\n", strconv.Quote(m.Endpoint))
	b.WriteString("  capabilities = [\"pull\", \"resolve\"]\n")
	return []byte(b.String())
}

// HostsFiles are the files that configure mirrors on a node.
func HostsFiles(ms []provider.Mirror) []dockerutil.File {
	var files []dockerutil.File
	for _, m := range provider.SortMirrors(ms) {
		files = append(files, dockerutil.File{Path: HostsDir + "/" + m.Registry + "/hosts.toml", Data: HostsTOML(m)})
	}
	return files
}

// nodeName is the container kind makes for a one-node cluster.
func nodeName(cluster string) string { return cluster + "-control-plane" }

// mirrorCommands are the by-hand equivalent of writeMirrors, as kind's
// local registry guide does it.
func mirrorCommands(s provider.Spec) string {
	node := shell.Quote(nodeName(s.Name))
	var cmds []string
	for _, f := range HostsFiles(s.Mirrors) {
		dir := f.Path[:strings.LastIndex(f.Path, "/")]
		cmds = append(cmds,
			"docker exec "+node+" mkdir -p "+shell.Quote(dir),
			shell.Heredoc("docker exec -i "+node+" cp /dev/stdin "+shell.Quote(f.Path), f.Data))
	}
	return strings.Join(cmds, "\n")
}

// writeMirrors writes the hosts files into every node of the cluster.
func writeMirrors(ctx context.Context, dc *dockerutil.Client, s provider.Spec) error {
	if len(s.Mirrors) == 0 {
		return nil
	}
	st, err := status(ctx, dc, s.Name)
	if err != nil {
		return err
	}
	if len(st.Nodes) == 0 {
		return fmt.Errorf("no node of kind cluster %s to configure mirrors in", s.Name)
	}
	for _, n := range st.Nodes {
		if err := dc.WriteFiles(ctx, n, HostsFiles(s.Mirrors)); err != nil {
			return fmt.Errorf("configure registry mirrors: %w", err)
		}
	}
	return nil
}

// containerdConfig is the node's containerd configuration; a node made
// with configPathPatch names HostsDir in it.
const containerdConfig = "/etc/containerd/config.toml"

// EnsureMirrors implements provider.MirrorConfigurer: it writes the hosts
// files a node lacks or holds other content in, and names the nodes whose
// containerd was configured without HostsDir (a cluster created with the
// cache off), which read none of them.
func (p *Provider) EnsureMirrors(ctx context.Context, s provider.Spec) (provider.MirrorReport, error) {
	var r provider.MirrorReport
	if len(s.Mirrors) == 0 {
		return r, nil
	}
	dc, err := dockerutil.New()
	if err != nil {
		return r, err
	}
	defer func() { _ = dc.Close() }()
	st, err := status(ctx, dc, s.Name)
	if err != nil {
		return r, err
	}
	want := HostsFiles(s.Mirrors)
	for _, n := range st.Nodes {
		stale, err := staleFiles(ctx, dc, n, want)
		if err != nil {
			return r, fmt.Errorf("configure registry mirrors: %w", err)
		}
		if len(stale) > 0 {
			if err := dc.WriteFiles(ctx, n, stale); err != nil {
				return r, fmt.Errorf("configure registry mirrors: %w", err)
			}
			r.Written = append(r.Written, n)
		}
		cfg, _, err := dc.ReadFile(ctx, n, containerdConfig)
		if err != nil {
			return r, fmt.Errorf("configure registry mirrors: %w", err)
		}
		if !bytes.Contains(cfg, []byte(strconv.Quote(HostsDir))) {
			r.Unread = append(r.Unread, n)
		}
	}
	return r, nil
}

// staleFiles are the files of want that node lacks or holds otherwise.
func staleFiles(ctx context.Context, dc *dockerutil.Client, node string, want []dockerutil.File) ([]dockerutil.File, error) {
	var stale []dockerutil.File
	for _, f := range want {
		got, ok, err := dc.ReadFile(ctx, node, f.Path)
		if err != nil {
			return nil, err
		}
		if !ok || !bytes.Equal(got, f.Data) {
			stale = append(stale, f)
		}
	}
	return stale, nil
}
