package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Start starts one etcd and len(names) kube-apiservers, each keeping its
// objects under its own etcd prefix, all on loopback ports, and waits until
// every /readyz is ok. Everything is stopped and deleted by t.Cleanup. As
// Need says: skipped with -short, and missing binaries fail the test with a
// hint to run `make testbin`.
func Start(t testing.TB, names ...string) []*APIServer {
	t.Helper()
	NeedAPIServers(t)
	began := time.Now()
	servers, stop, err := StartShared(names...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	t.Logf("testenv: started etcd and %d kube-apiserver(s) in %s", len(servers), time.Since(began).Round(time.Millisecond))
	return servers
}

// StartShared is Start for TestMain, where there is no testing.TB: the
// caller must call stop, which is safe to call more than once. The error of
// a failed start carries the end of the failing process's log.
func StartShared(names ...string) (servers []*APIServer, stop func(), err error) {
	servers, stop, err = startShared(names)
	if err != nil {
		return nil, nil, fmt.Errorf("testenv: %w", err)
	}
	return servers, stop, nil
}

func startShared(names []string) ([]*APIServer, func(), error) {
	if err := validateNames(names); err != nil {
		return nil, nil, err
	}
	apiserverBin, etcdBin, err := Binaries()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "localcluster-testenv-")
	if err != nil {
		return nil, nil, fmt.Errorf("temp dir: %w", err)
	}
	env := &environment{dir: dir}
	servers, err := env.start(context.Background(), apiserverBin, etcdBin, names)
	if err != nil {
		env.stop()
		return nil, nil, err
	}
	return servers, env.stop, nil
}

// environment tracks what one Start runs, to stop it all.
type environment struct {
	dir      string
	mu       sync.Mutex
	procs    []*process
	stopOnce sync.Once
}

func (e *environment) track(p *process) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.procs = append(e.procs, p)
}

// stop kills the API servers before etcd, so none of them logs etcd's
// disappearance, then deletes the temp dir.
func (e *environment) stop() {
	e.stopOnce.Do(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		for i := len(e.procs) - 1; i >= 0; i-- {
			e.procs[i].stop()
		}
		_ = os.RemoveAll(e.dir)
	})
}

func (e *environment) start(ctx context.Context, apiserverBin, etcdBin string, names []string) ([]*APIServer, error) {
	etcd, err := startEtcd(ctx, etcdBin, e.dir)
	if err != nil {
		return nil, err
	}
	e.track(etcd.proc)

	// In parallel: most of a start is the API server's own initialisation.
	servers := make([]*APIServer, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			servers[i], errs[i] = e.startAPIServer(ctx, apiserverBin, etcd.url, name)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return servers, nil
}

func (e *environment) startAPIServer(ctx context.Context, binary, etcdURL, name string) (*APIServer, error) {
	dir := filepath.Join(e.dir, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	pki, err := newServerPKI(name)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	spec := apiserverSpec{name: name, binary: binary, dir: dir, etcdURL: etcdURL, pki: pki}
	server, proc, err := startAPIServer(ctx, spec)
	if err != nil {
		return nil, err
	}
	e.track(proc)
	return server, nil
}

// validateNames requires at least one name, no repeats, and DNS labels,
// since a name becomes a directory, an etcd prefix and a kube context.
func validateNames(names []string) error {
	if len(names) == 0 {
		return errors.New("no API server names given")
	}
	var errs []error
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		if !isDNSLabel(name) {
			errs = append(errs, fmt.Errorf("API server name %q is not a DNS label (lowercase letters, digits and '-', at most 63)", name))
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("API server name %q is given twice", name))
		}
		seen[name] = true
	}
	return errors.Join(errs...)
}

func isDNSLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}
