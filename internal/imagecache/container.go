package imagecache

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	dnet "github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// managedLabel marks the cache's image, volume and container.
const managedLabel = "io.localcluster.cache"

// Instance names one cache: its container and volume. Labs share the
// default instance; tests make their own.
type Instance struct {
	Container string // also its host name on the networks it joins
	Volume    string
	// Args are extra server arguments (e.g. --upstream overrides).
	Args []string
}

// Default is the cache every lab uses.
func Default() Instance { return Instance{Container: ContainerName, Volume: ContainerName} }

// Ensure makes the cache run from image and be on network: it creates the
// volume and container if missing, starts a stopped one and connects it
// to network. A running cache is kept even when image is newer, since other
// labs use it. It returns what it did, "" when nothing.
func (in Instance) Ensure(ctx context.Context, api client.APIClient, image, network string) (string, error) {
	ct, err := api.ContainerInspect(ctx, in.Container)
	switch {
	case cerrdefs.IsNotFound(err):
		if err := in.create(ctx, api, image, network); err != nil {
			return "", err
		}
		return "created " + in.Container + " from " + image, nil
	case err != nil:
		return "", fmt.Errorf("inspect %s: %w", in.Container, err)
	}
	var did []string
	if _, on := ct.NetworkSettings.Networks[network]; !on {
		if err := api.NetworkConnect(ctx, network, ct.ID, nil); err != nil {
			return "", fmt.Errorf("connect %s to network %s: %w", in.Container, network, err)
		}
		did = append(did, "connected to "+network)
	}
	if !ct.State.Running {
		if err := api.ContainerStart(ctx, ct.ID, container.StartOptions{}); err != nil {
			return "", fmt.Errorf("start %s: %w", in.Container, err)
		}
		did = append(did, "started")
	}
	if len(did) == 0 {
		return "", nil
	}
	return joinWords(did), nil
}

func (in Instance) create(ctx context.Context, api client.APIClient, image, network string) error {
	labels := map[string]string{managedLabel: "true"}
	if _, err := api.VolumeCreate(ctx, volume.CreateOptions{Name: in.Volume, Labels: labels}); err != nil {
		return fmt.Errorf("create volume %s: %w", in.Volume, err)
	}
	cfg := &container.Config{
		Image:  image,
		Cmd:    append([]string{"--root", storageDir}, in.Args...),
		Labels: labels,
	}
	host := &container.HostConfig{
		Mounts:        []mount.Mount{{Type: mount.TypeVolume, Source: in.Volume, Target: storageDir}},
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
	}
	nets := &dnet.NetworkingConfig{EndpointsConfig: map[string]*dnet.EndpointSettings{network: {}}}
	created, err := api.ContainerCreate(ctx, cfg, host, nets, nil, in.Container)
	if err != nil {
		return fmt.Errorf("create container %s: %w", in.Container, err)
	}
	if err := api.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("start %s: %w", in.Container, err)
	}
	return nil
}

// Remove deletes the cache container and, with volume, its storage.
// What does not exist is not an error.
func (in Instance) Remove(ctx context.Context, api client.APIClient, withVolume bool) error {
	var errs []error
	err := api.ContainerRemove(ctx, in.Container, container.RemoveOptions{Force: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("remove %s: %w", in.Container, err))
	}
	if withVolume {
		if err := api.VolumeRemove(ctx, in.Volume, true); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", in.Volume, err))
		}
	}
	return errors.Join(errs...)
}

func joinWords(ws []string) string {
	out := ws[0]
	for _, w := range ws[1:] {
		out += ", " + w
	}
	return out
}
