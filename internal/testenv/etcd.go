package testenv

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

const (
	etcdTimeout  = time.Minute
	pollInterval = 100 * time.Millisecond
)

// etcdServer is the one etcd all API servers of an environment share.
type etcdServer struct {
	proc *process
	url  string // client URL, http://127.0.0.1:<port>
}

func startEtcd(ctx context.Context, binary, dir string) (*etcdServer, error) {
	return startWithRetry(func() (*etcdServer, error) {
		return startEtcdOnce(ctx, binary, dir)
	})
}

func startEtcdOnce(ctx context.Context, binary, dir string) (*etcdServer, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, fmt.Errorf("start etcd: %w", err)
	}
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	args := []string{
		"--name=testenv",
		"--data-dir=" + filepath.Join(dir, fmt.Sprintf("etcd-data-%d", ports[0])),
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		// The peer port is unused by a one-member cluster but etcd binds it
		// (2380 by default, which parallel environments would fight over).
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=testenv=" + peerURL,
		// Test data is thrown away; durability only costs time.
		"--unsafe-no-fsync=true",
	}
	proc, err := startProcess("etcd", filepath.Join(dir, "etcd.log"), binary, args)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, etcdTimeout)
	defer cancel()
	if err := waitFor(ctx, proc, func(ctx context.Context) bool { return etcdHealthy(ctx, clientURL) }); err != nil {
		err = proc.failure(fmt.Errorf("start etcd: %w", err))
		proc.stop()
		return nil, err
	}
	return &etcdServer{proc: proc, url: clientURL}, nil
}

func etcdHealthy(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/health", nil)
	if err != nil {
		return false
	}
	// A bare transport: no proxy from the environment, loopback only.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return err == nil && resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"health":"true"`)
}

// waitFor polls ready until it reports true, the context ends, or the
// process exits.
func waitFor(ctx context.Context, proc *process, ready func(context.Context) bool) error {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		if ready(ctx) {
			return nil
		}
		if err := proc.exitErr(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-ticker.C:
		}
	}
}
