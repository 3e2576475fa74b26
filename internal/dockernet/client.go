// Package dockernet owns the Docker side of a lab: the one Docker network all
// kind and k3d clusters share, discovery of their node containers by label,
// and the host routes inside node containers that let pods of one cluster
// reach pods of another.
//
// Everything is an idempotent ensure: state lives in Docker (network labels,
// container labels, the routing tables of the node containers), so re-running
// reports "no change" and repairs what drifted, for example node addresses
// that changed after a Docker restart.
package dockernet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/docker/docker/client"
)

// DefaultParallelism bounds how many node containers are worked on at once
// when Client.Parallelism is not set.
const DefaultParallelism = 8

// Client talks to the Docker engine. It is safe for concurrent use.
type Client struct {
	api client.APIClient

	// Parallelism bounds how many containers EnsureRoutes and RemoveRoutes
	// work on at the same time; 0 means DefaultParallelism, 1 means one by one.
	Parallelism int

	// netMu serialises EnsureNetwork within this process, so that clusters
	// created in parallel do not race each other into duplicate networks
	// ("network kind is ambiguous").
	netMu sync.Mutex
}

// New connects to the Docker engine named by the environment (DOCKER_HOST and
// friends), negotiating the API version, and checks that it answers.
func New(ctx context.Context) (*Client, error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("configuring Docker client: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := api.Ping(pingCtx); err != nil {
		host := api.DaemonHost()
		_ = api.Close()
		return nil, fmt.Errorf("cannot reach Docker at %s: %w; is Docker running?", host, reachCause(host, err))
	}
	return &Client{api: api}, nil
}

// NewFromAPI wraps an already configured Docker API client.
func NewFromAPI(api client.APIClient) *Client {
	return &Client{api: api}
}

// API gives access to the underlying Docker SDK client.
func (c *Client) API() client.APIClient { return c.api }

// Close releases the connection to the engine.
func (c *Client) Close() error { return c.api.Close() }

func (c *Client) parallelism() int {
	if c.Parallelism > 0 {
		return c.Parallelism
	}
	return DefaultParallelism
}

// reachCause finds out why the daemon did not answer. The SDK replaces a
// refused or missing socket with its own "Is the docker daemon running?"
// sentence, which would repeat our hint and hide the real cause, so dial the
// socket ourselves to recover it.
func reachCause(host string, err error) error {
	if !client.IsErrConnectionFailed(err) {
		return err
	}
	u, perr := url.Parse(host)
	if perr != nil {
		return err
	}
	var network, addr string
	switch u.Scheme {
	case "unix":
		network, addr = "unix", u.Path
	case "tcp", "http", "https":
		network, addr = "tcp", u.Host
	default:
		return err
	}
	conn, derr := net.DialTimeout(network, addr, 5*time.Second)
	if derr != nil {
		var opErr *net.OpError
		if errors.As(derr, &opErr) && opErr.Err != nil {
			return opErr.Err
		}
		return derr
	}
	_ = conn.Close()
	return err
}
