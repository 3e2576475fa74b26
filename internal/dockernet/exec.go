package dockernet

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// ExecError is a command inside a container that ran and failed.
type ExecError struct {
	Container string
	Cmd       []string
	ExitCode  int
	Stderr    string
}

func (e *ExecError) Error() string {
	msg := fmt.Sprintf("docker exec %s %s: exit status %d", e.Container, strings.Join(e.Cmd, " "), e.ExitCode)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

// exec runs cmd in a running container and returns its stdout. A non-zero
// exit gives an *ExecError carrying stderr.
func (c *Client) exec(ctx context.Context, ctr string, cmd ...string) (string, error) {
	created, err := c.api.ContainerExecCreate(ctx, ctr, container.ExecOptions{
		Cmd:          cmd,
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return "", fmt.Errorf("docker exec %s: %w", ctr, err)
	}
	resp, err := c.api.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return "", fmt.Errorf("docker exec %s: attaching: %w", ctr, err)
	}
	var stdout, stderr bytes.Buffer
	_, err = stdcopy.StdCopy(&stdout, &stderr, resp.Reader)
	resp.Close()
	if err != nil {
		return "", fmt.Errorf("docker exec %s %s: reading output: %w", ctr, strings.Join(cmd, " "), err)
	}
	code, err := c.execExitCode(ctx, created.ID)
	if err != nil {
		return "", fmt.Errorf("docker exec %s: %w", ctr, err)
	}
	if code != 0 {
		return stdout.String(), &ExecError{Container: ctr, Cmd: cmd, ExitCode: code, Stderr: stderr.String()}
	}
	return stdout.String(), nil
}

// execExitCode waits for the exec to be reported finished: the output stream
// can end a moment before the engine records the exit code.
func (c *Client) execExitCode(ctx context.Context, id string) (int, error) {
	for delay := time.Millisecond; ; delay *= 2 {
		info, err := c.api.ContainerExecInspect(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("inspecting exec: %w", err)
		}
		if !info.Running {
			return info.ExitCode, nil
		}
		if delay > time.Second {
			return 0, fmt.Errorf("exec %s still running after its output ended", id)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(delay):
		}
	}
}
