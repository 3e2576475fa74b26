package dockernet

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
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
		return nil, fmt.Errorf("container %s: reading routes before adding %s: %w", ctr, routes[0].Dst, err)
	}
	have := map[netip.Prefix]tableRoute{}
	for _, t := range table {
		have[t.Dst] = t
	}
	var changed []Route
	var errs []error
	for _, r := range routes {
		if t, ok := have[r.Dst]; ok && t.Type == "unicast" && t.Via == r.Via {
			continue
		}
		if _, err := c.exec(ctx, ctr, replaceArgs(r)...); err != nil {
			errs = append(errs, fmt.Errorf("container %s: route %s via %s: %w", ctr, r.Dst, r.Via, err))
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
	var want4, want6 bool
	dstSet, viaSet := map[netip.Prefix]bool{}, map[netip.Addr]bool{}
	for _, d := range dsts {
		dstSet[d.Masked()] = true
		want4, want6 = want4 || d.Addr().Is4(), want6 || d.Addr().Is6()
	}
	for _, v := range vias {
		v = v.Unmap()
		viaSet[v] = true
		want4, want6 = want4 || v.Is4(), want6 || v.Is6()
	}
	containers = slices.Compact(slices.Sorted(slices.Values(containers)))
	var mu sync.Mutex
	err = c.forEach(ctx, containers, func(ctx context.Context, _ int, ctr string) error {
		info, err := c.api.ContainerInspect(ctx, ctr)
		switch {
		case cerrdefs.IsNotFound(err):
			return nil
		case err != nil:
			return fmt.Errorf("container %s: %w", ctr, err)
		case info.State == nil || !info.State.Running:
			return nil
		}
		table, err := c.routeTable(ctx, ctr, want4, want6)
		if err != nil {
			return fmt.Errorf("container %s: reading routes: %w", ctr, err)
		}
		var errs []error
		for _, t := range table {
			if !t.Via.IsValid() || t.Dst.Bits() == 0 || !dstSet[t.Dst] && !viaSet[t.Via] {
				continue
			}
			if _, err := c.exec(ctx, ctr, deleteArgs(t)...); err != nil {
				errs = append(errs, fmt.Errorf("container %s: removing route %s via %s: %w", ctr, t.Dst, t.Via, err))
				continue
			}
			mu.Lock()
			removed++
			mu.Unlock()
		}
		return errors.Join(errs...)
	})
	return removed, err
}

// routeTable reads the main routing table of a container for the families asked.
func (c *Client) routeTable(ctx context.Context, ctr string, v4, v6 bool) ([]tableRoute, error) {
	var routes []tableRoute
	for _, fam := range []struct{ want, v6 bool }{{v4, false}, {v6, true}} {
		if !fam.want {
			continue
		}
		out, err := c.exec(ctx, ctr, ipArgs(fam.v6, "route", "show")...)
		if err != nil {
			return nil, err
		}
		routes = append(routes, parseRoutes(out, fam.v6)...)
	}
	return routes, nil
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
