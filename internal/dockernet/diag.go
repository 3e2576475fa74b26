package dockernet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Exec runs cmd in a running container and returns its stdout; a non-zero
// exit gives an *ExecError carrying stderr. For diagnostics: routes are
// read and changed through EnsureRoutes and CheckRoutes.
func (c *Client) Exec(ctx context.Context, ctr string, cmd ...string) (string, error) {
	return c.exec(ctx, ctr, cmd...)
}

// InspectJSON is `docker inspect` of a container, indented.
func (c *Client) InspectJSON(ctx context.Context, ctr string) ([]byte, error) {
	info, err := c.api.ContainerInspect(ctx, ctr)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(info, "", "  ")
}

// NetworkJSON is `docker network inspect` of a network, indented.
func (c *Client) NetworkJSON(ctx context.Context, name string) ([]byte, error) {
	info, err := c.networkNamed(ctx, name)
	if err != nil {
		return nil, err
	}
	if info == nil {
		return nil, fmt.Errorf("no Docker network %q", name)
	}
	return json.MarshalIndent(info, "", "  ")
}

// Logs is `docker logs --timestamps --tail N` of a container, stdout and
// stderr interleaved as the engine sends them.
func (c *Client) Logs(ctx context.Context, ctr string, tail int) ([]byte, error) {
	info, err := c.api.ContainerInspect(ctx, ctr)
	if err != nil {
		return nil, err
	}
	rc, err := c.api.ContainerLogs(ctx, ctr, container.LogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true, Tail: fmt.Sprint(tail)})
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	var out bytes.Buffer
	if info.Config != nil && info.Config.Tty {
		_, err = io.Copy(&out, rc)
	} else {
		_, err = stdcopy.StdCopy(&out, &out, rc)
	}
	return out.Bytes(), err
}
