package dockernet

import (
	"context"
	"fmt"
	"sort"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
)

// StopContainers stops the named containers in parallel. A container that
// is stopped already is left alone.
func (c *Client) StopContainers(ctx context.Context, names []string) error {
	return c.forEach(ctx, names, func(ctx context.Context, _ int, name string) error {
		if err := c.api.ContainerStop(ctx, name, container.StopOptions{}); err != nil {
			return fmt.Errorf("stop container %s: %w", name, err)
		}
		return nil
	})
}

// StartContainers starts the named containers in parallel. A container that
// runs already is left alone.
func (c *Client) StartContainers(ctx context.Context, names []string) error {
	return c.forEach(ctx, names, func(ctx context.Context, _ int, name string) error {
		if err := c.api.ContainerStart(ctx, name, container.StartOptions{}); err != nil {
			return fmt.Errorf("start container %s: %w", name, err)
		}
		return nil
	})
}

// RemoveNetworkIfUnused removes the network unless containers are attached
// to it, whose names it then returns, sorted. A network that does not
// exist is not an error.
func (c *Client) RemoveNetworkIfUnused(ctx context.Context, name string) (removed bool, users []string, err error) {
	n, err := c.networkNamed(ctx, name)
	if err != nil {
		return false, nil, err
	}
	if n == nil {
		return false, nil, nil
	}
	for _, ep := range n.Containers {
		users = append(users, ep.Name)
	}
	if len(users) > 0 {
		sort.Strings(users)
		return false, users, nil
	}
	if err := c.api.NetworkRemove(ctx, n.ID); err != nil {
		if cerrdefs.IsNotFound(err) {
			return false, nil, nil
		}
		return false, nil, fmt.Errorf("remove Docker network %s: %w", name, err)
	}
	return true, nil, nil
}
