// Package dockerutil holds the few Docker engine calls the kind and k3d
// providers make themselves: finding a cluster's containers by label for
// Status, checking the lab network, and sweeping leftovers after a failed
// create or a delete. kind and k3d do their own Docker work otherwise.
package dockerutil

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// Client is a Docker engine client that negotiates the API version, so it
// works against older engines (20.10 speaks API 1.41).
type Client struct {
	api *client.Client
}

// New connects to the engine named by the usual DOCKER_* environment.
func New() (*Client, error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("connect to docker: %w", err)
	}
	return &Client{api: api}, nil
}

// Close releases the client's connections.
func (c *Client) Close() error { return c.api.Close() }

// Container is the part of a container the providers look at.
type Container struct {
	ID      string
	Name    string
	Running bool
	Labels  map[string]string
}

// Label is a Docker label selector key=value.
type Label struct{ Key, Value string }

func (l Label) String() string { return l.Key + "=" + l.Value }

// Containers lists containers, stopped ones included, carrying label,
// sorted by name.
func (c *Client) Containers(ctx context.Context, label Label) ([]Container, error) {
	list, err := c.api.ContainerList(ctx, container.ListOptions{
		All:     true,
		Filters: filters.NewArgs(filters.Arg("label", label.String())),
	})
	if err != nil {
		return nil, fmt.Errorf("list containers labelled %s: %w", label, err)
	}
	out := make([]Container, 0, len(list))
	for _, s := range list {
		name := s.ID
		if len(s.Names) > 0 {
			name = strings.TrimPrefix(s.Names[0], "/")
		}
		out = append(out, Container{ID: s.ID, Name: name, Running: s.State == "running", Labels: s.Labels})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Volumes lists the names of volumes carrying label.
func (c *Client) Volumes(ctx context.Context, label Label) ([]string, error) {
	resp, err := c.api.VolumeList(ctx, volume.ListOptions{
		Filters: filters.NewArgs(filters.Arg("label", label.String())),
	})
	if err != nil {
		return nil, fmt.Errorf("list volumes labelled %s: %w", label, err)
	}
	out := make([]string, 0, len(resp.Volumes))
	for _, v := range resp.Volumes {
		out = append(out, v.Name)
	}
	sort.Strings(out)
	return out, nil
}

// CheckNetwork returns an error a user can act on unless exactly one
// network is called name. The providers never create the lab network: the
// network step does, before any cluster, so that parallel creations do not
// race to create it (Docker then holds two networks of one name, and every
// later reference to it is "ambiguous").
func (c *Client) CheckNetwork(ctx context.Context, name string) error {
	list, err := c.api.NetworkList(ctx, network.ListOptions{
		Filters: filters.NewArgs(filters.Arg("name", name)),
	})
	if err != nil {
		return fmt.Errorf("list docker networks: %w", err)
	}
	var ids []string
	for _, n := range list {
		if n.Name == name { // the name filter also matches substrings
			ids = append(ids, n.ID[:12])
		}
	}
	switch len(ids) {
	case 0:
		return fmt.Errorf("docker network %q does not exist: create the lab network first", name)
	case 1:
		return nil
	default:
		return fmt.Errorf("docker network name %q is ambiguous (ids %s): remove the duplicates with docker network rm", name, strings.Join(ids, ", "))
	}
}

// Sweep removes every container carrying label (with its anonymous
// volumes), then every volume carrying label. It reports all failures.
// It never touches networks.
func (c *Client) Sweep(ctx context.Context, label Label) error {
	var errs []error
	cs, err := c.Containers(ctx, label)
	if err != nil {
		errs = append(errs, err)
	}
	for _, ct := range cs {
		err := c.api.ContainerRemove(ctx, ct.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", ct.Name, err))
		}
	}
	vs, err := c.Volumes(ctx, label)
	if err != nil {
		errs = append(errs, err)
	}
	for _, v := range vs {
		if err := c.api.VolumeRemove(ctx, v, true); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v, err))
		}
	}
	return errors.Join(errs...)
}
