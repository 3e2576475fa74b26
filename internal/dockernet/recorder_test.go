package dockernet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
)

// recordingAPI is the real Docker client, noting the name of everything
// removed, disconnected or killed through it, so a test can prove it
// touched only what it made.
type recordingAPI struct {
	client.APIClient
	mu      sync.Mutex
	touched []string
}

func (r *recordingAPI) note(kind, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.touched = append(r.touched, kind+" "+strings.TrimPrefix(name, "/"))
}

func (r *recordingAPI) noteContainer(ctx context.Context, ref string) {
	name := ref
	if info, err := r.ContainerInspect(ctx, ref); err == nil {
		name = info.Name
	}
	r.note("container", name)
}

func (r *recordingAPI) noteNetwork(ctx context.Context, ref string) {
	name := ref
	if info, err := r.NetworkInspect(ctx, ref, network.InspectOptions{}); err == nil {
		name = info.Name
	}
	r.note("network", name)
}

func (r *recordingAPI) ContainerRemove(ctx context.Context, ref string, opts container.RemoveOptions) error {
	r.noteContainer(ctx, ref)
	return r.APIClient.ContainerRemove(ctx, ref, opts)
}

func (r *recordingAPI) ContainerKill(ctx context.Context, ref, signal string) error {
	r.noteContainer(ctx, ref)
	return r.APIClient.ContainerKill(ctx, ref, signal)
}

func (r *recordingAPI) ContainerStop(ctx context.Context, ref string, opts container.StopOptions) error {
	r.noteContainer(ctx, ref)
	return r.APIClient.ContainerStop(ctx, ref, opts)
}

func (r *recordingAPI) NetworkRemove(ctx context.Context, ref string) error {
	r.noteNetwork(ctx, ref)
	return r.APIClient.NetworkRemove(ctx, ref)
}

func (r *recordingAPI) NetworkDisconnect(ctx context.Context, net, ctr string, force bool) error {
	r.noteNetwork(ctx, net)
	r.noteContainer(ctx, ctr)
	return r.APIClient.NetworkDisconnect(ctx, net, ctr, force)
}

func (r *recordingAPI) didTouch(kind, name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.touched, kind+" "+name)
}

// foreign lists what was touched that does not carry this prefix.
func (r *recordingAPI) foreign(prefix string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, t := range r.touched {
		_, name, _ := strings.Cut(t, " ")
		if !strings.HasPrefix(name, prefix) {
			out = append(out, t)
		}
	}
	return out
}

func newRecordingClient() (*Client, *recordingAPI, error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, nil, fmt.Errorf("docker client: %w", err)
	}
	rec := &recordingAPI{APIClient: api}
	return NewFromAPI(rec), rec, nil
}
