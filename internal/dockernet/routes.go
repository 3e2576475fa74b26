package dockernet

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
)

// Route is a route, held by a node container, to another cluster's pods.
type Route struct {
	Container string       // node container that holds the route
	Dst       netip.Prefix // the other cluster's pod CIDR
	Via       netip.Addr   // the other cluster's node address
}

func (r Route) String() string { return fmt.Sprintf("%s via %s in %s", r.Dst, r.Via, r.Container) }

// EnsureRoutes makes each container hold its routes, with `ip route replace`
// so that a route whose gateway changed (node addresses change when Docker
// restarts) is repaired. Containers are worked on in parallel, up to
// Parallelism at a time. It returns the routes it had to add or change, in
// the order given; routes already in place are left alone. The error joins
// one error per failing route, naming container, route and the command's
// stderr.
func (c *Client) EnsureRoutes(ctx context.Context, routes []Route) (changed []Route, err error) {
	containers, byContainer, err := groupRoutes(routes)
	if err != nil {
		return nil, err
	}
	results := make([][]Route, len(containers))
	err = c.forEach(ctx, containers, func(ctx context.Context, i int, ctr string) error {
		var err error
		results[i], err = c.ensureIn(ctx, ctr, byContainer[ctr])
		return err
	})
	done := map[Route]bool{}
	for _, rs := range results {
		for _, r := range rs {
			done[r] = true
		}
	}
	for _, r := range routes {
		r = normalize(r)
		if done[r] {
			changed = append(changed, r)
			delete(done, r) // report duplicates once
		}
	}
	return changed, err
}

func (c *Client) ensureIn(ctx context.Context, ctr string, routes []Route) ([]Route, error) {
	var want4, want6 bool
	for _, r := range routes {
		want4 = want4 || r.Dst.Addr().Is4()
		want6 = want6 || r.Dst.Addr().Is6()
	}
	table, err := c.routeTable(ctx, ctr, want4, want6)
	if err != nil {
		dsts := make([]string, len(routes))
		for i, r := range routes {
			dsts[i] = r.Dst.String()
		}
		return nil, fmt.Errorf("container %s: reading routes (for routes to %s): %w", ctr, strings.Join(dsts, ", "), err)
	}
	have := map[netip.Prefix]tableRoute{}
	for _, t := range table {
		have[t.Dst] = t
	}
	var todo []Route
	for _, r := range routes {
		if t, ok := have[r.Dst]; !ok || t.Type != "unicast" || t.Via != r.Via {
			todo = append(todo, r)
		}
	}
	cmds := make([][]string, len(todo))
	for i, r := range todo {
		cmds[i] = replaceArgs(r)
	}
	results, err := c.runBatch(ctx, ctr, cmds)
	if err != nil {
		return nil, fmt.Errorf("container %s: adding routes: %w", ctr, err)
	}
	var changed []Route
	var errs []error
	for i, r := range todo {
		if results[i] != nil {
			errs = append(errs, fmt.Errorf("container %s: route %s via %s: %w", ctr, r.Dst, r.Via, results[i]))
			continue
		}
		changed = append(changed, r)
	}
	return changed, errors.Join(errs...)
}

// RemoveRoutes deletes, in each container, the routes whose destination is
// one of dsts or whose gateway is one of vias: what other nodes hold toward
// a deleted cluster. Only routes through a gateway are touched, never the
// default route. Containers that are gone or stopped hold no routes and are
// skipped. It returns how many routes were removed.
func (c *Client) RemoveRoutes(ctx context.Context, containers []string, dsts []netip.Prefix, vias []netip.Addr) (removed int, err error) {
	if len(dsts) == 0 && len(vias) == 0 {
		return 0, nil
	}
	f := newRouteFilter(dsts, vias)
	containers = slices.Compact(slices.Sorted(slices.Values(containers)))
	counts := make([]int, len(containers))
	err = c.forEach(ctx, containers, func(ctx context.Context, i int, ctr string) error {
		var err error
		counts[i], err = c.removeIn(ctx, ctr, f)
		return err
	})
	for _, n := range counts {
		removed += n
	}
	return removed, err
}

func (c *Client) removeIn(ctx context.Context, ctr string, f routeFilter) (int, error) {
	info, err := c.api.ContainerInspect(ctx, ctr)
	switch {
	case cerrdefs.IsNotFound(err):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("container %s: %w", ctr, err)
	case info.State == nil || !info.State.Running:
		return 0, nil
	}
	table, err := c.routeTable(ctx, ctr, f.v4, f.v6)
	if err != nil {
		return 0, fmt.Errorf("container %s: reading routes: %w", ctr, err)
	}
	var doomed []tableRoute
	var cmds [][]string
	for _, t := range table {
		if f.matches(t) {
			doomed = append(doomed, t)
			cmds = append(cmds, deleteArgs(t))
		}
	}
	results, err := c.runBatch(ctx, ctr, cmds)
	if err != nil {
		return 0, fmt.Errorf("container %s: removing routes: %w", ctr, err)
	}
	removed := 0
	var errs []error
	for i, t := range doomed {
		if results[i] != nil {
			errs = append(errs, fmt.Errorf("container %s: removing route %s via %s: %w", ctr, t.Dst, t.Via, results[i]))
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// routeFilter picks the routes toward a deleted cluster.
type routeFilter struct {
	dsts   map[netip.Prefix]bool
	vias   map[netip.Addr]bool
	v4, v6 bool // which tables to read
}

func newRouteFilter(dsts []netip.Prefix, vias []netip.Addr) routeFilter {
	f := routeFilter{dsts: map[netip.Prefix]bool{}, vias: map[netip.Addr]bool{}}
	for _, d := range dsts {
		f.dsts[d.Masked()] = true
		f.v4, f.v6 = f.v4 || d.Addr().Is4(), f.v6 || d.Addr().Is6()
	}
	for _, v := range vias {
		v = v.Unmap()
		f.vias[v] = true
		f.v4, f.v6 = f.v4 || v.Is4(), f.v6 || v.Is6()
	}
	return f
}

// matches leaves alone the default route and routes without a gateway
// (connected networks): localcluster never adds those.
func (f routeFilter) matches(t tableRoute) bool {
	return t.Via.IsValid() && t.Dst.Bits() > 0 && (f.dsts[t.Dst] || f.vias[t.Via])
}

// forEach runs fn for each container, at most Parallelism at a time, and
// joins the errors in container order.
func (c *Client) forEach(ctx context.Context, containers []string, fn func(ctx context.Context, i int, ctr string) error) error {
	errs := make([]error, len(containers))
	sem := make(chan struct{}, c.parallelism())
	var wg sync.WaitGroup
	for i, ctr := range containers {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = fmt.Errorf("container %s: %w", ctr, ctx.Err())
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(ctx, i, ctr)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func normalize(r Route) Route {
	r.Dst = r.Dst.Masked()
	r.Via = r.Via.Unmap()
	return r
}

// groupRoutes validates routes and groups them by container, keeping the
// order in which containers first appear.
func groupRoutes(routes []Route) ([]string, map[string][]Route, error) {
	var containers []string
	byContainer := map[string][]Route{}
	seen := map[string]map[netip.Prefix]netip.Addr{}
	var errs []error
	for _, r := range routes {
		r = normalize(r)
		switch {
		case r.Container == "":
			errs = append(errs, fmt.Errorf("route %s via %s: no container", r.Dst, r.Via))
			continue
		case !r.Dst.IsValid() || !r.Via.IsValid():
			errs = append(errs, fmt.Errorf("route %v: destination and gateway are both needed", r))
			continue
		case r.Dst.Addr().Is4() != r.Via.Is4():
			errs = append(errs, fmt.Errorf("route %v: destination and gateway are of different IP families", r))
			continue
		}
		if seen[r.Container] == nil {
			seen[r.Container] = map[netip.Prefix]netip.Addr{}
			containers = append(containers, r.Container)
		}
		if via, ok := seen[r.Container][r.Dst]; ok {
			if via != r.Via {
				errs = append(errs, fmt.Errorf("container %s: route to %s both via %s and via %s", r.Container, r.Dst, via, r.Via))
			}
			continue
		}
		seen[r.Container][r.Dst] = r.Via
		byContainer[r.Container] = append(byContainer[r.Container], r)
	}
	return containers, byContainer, errors.Join(errs...)
}
