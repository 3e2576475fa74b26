package imagecache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	dnet "github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"
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
	// Loopback publishes every port on 127.0.0.1 (on ports Docker picks),
	// for clients on the host; nodes need no published port.
	Loopback bool
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
	if in.Loopback {
		cfg.ExposedPorts = nat.PortSet{}
		host.PortBindings = nat.PortMap{}
		for _, p := range in.ports() {
			port := nat.Port(strconv.Itoa(p) + "/tcp")
			cfg.ExposedPorts[port] = struct{}{}
			host.PortBindings[port] = []nat.PortBinding{{HostIP: "127.0.0.1"}}
		}
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

// Found is what exists of an Instance.
type Found struct {
	Container, Volume bool
	Networks          []string // the networks the container is on, sorted
}

// Inspect tells whether the container and volume of in exist, and which
// networks the container is on.
func (in Instance) Inspect(ctx context.Context, api client.APIClient) (Found, error) {
	var f Found
	ct, err := api.ContainerInspect(ctx, in.Container)
	switch {
	case cerrdefs.IsNotFound(err):
	case err != nil:
		return Found{}, fmt.Errorf("inspect %s: %w", in.Container, err)
	default:
		f.Container = true
		if ct.NetworkSettings != nil {
			for n := range ct.NetworkSettings.Networks {
				f.Networks = append(f.Networks, n)
			}
			sort.Strings(f.Networks)
		}
	}
	_, err = api.VolumeInspect(ctx, in.Volume)
	switch {
	case cerrdefs.IsNotFound(err):
	case err != nil:
		return Found{}, fmt.Errorf("inspect volume %s: %w", in.Volume, err)
	default:
		f.Volume = true
	}
	return f, nil
}

// Disconnect takes the cache container off network, if it is on it, and
// reports whether it was.
func (in Instance) Disconnect(ctx context.Context, api client.APIClient, network string) (bool, error) {
	f, err := in.Inspect(ctx, api)
	if err != nil || !slices.Contains(f.Networks, network) {
		return false, err
	}
	if err := api.NetworkDisconnect(ctx, network, in.Container, true); err != nil && !cerrdefs.IsNotFound(err) {
		return false, fmt.Errorf("disconnect %s from network %s: %w", in.Container, network, err)
	}
	return true, nil
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

// ports are the container ports the server listens on.
func (in Instance) ports() []int {
	for i, a := range in.Args {
		if a == "--plain" && i+1 < len(in.Args) {
			if _, p, err := net.SplitHostPort(in.Args[i+1]); err == nil {
				n, _ := strconv.Atoi(p)
				return []int{n}
			}
		}
	}
	var out []int
	for _, u := range Upstreams() {
		out = append(out, u.Port)
	}
	return out
}

// HostPort is where a Loopback instance serves container port p on the
// host.
func (in Instance) HostPort(ctx context.Context, api client.APIClient, p int) (string, error) {
	ct, err := api.ContainerInspect(ctx, in.Container)
	if err != nil {
		return "", fmt.Errorf("inspect %s: %w", in.Container, err)
	}
	for _, b := range ct.NetworkSettings.Ports[nat.Port(strconv.Itoa(p)+"/tcp")] {
		return net.JoinHostPort(b.HostIP, b.HostPort), nil
	}
	return "", fmt.Errorf("%s publishes no port %d", in.Container, p)
}

func joinWords(ws []string) string {
	out := ws[0]
	for _, w := range ws[1:] {
		out += ", " + w
	}
	return out
}
