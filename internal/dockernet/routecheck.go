package dockernet

import (
	"context"
	"fmt"
	"net/netip"
)

// RouteProblem is a wanted route that a container does not hold as wanted.
type RouteProblem struct {
	Route
	Have netip.Addr // the gateway the container routes through instead; zero if no route
}

func (p RouteProblem) String() string {
	if p.Have.IsValid() {
		return fmt.Sprintf("%s goes via %s, not %s, in %s", p.Dst, p.Have, p.Via, p.Container)
	}
	return fmt.Sprintf("no route to %s via %s in %s", p.Dst, p.Via, p.Container)
}

// CheckRoutes reads the routing tables of the containers holding routes and
// returns the routes missing or pointing elsewhere. It changes nothing: it
// is what EnsureRoutes would repair. A container whose table cannot be read
// makes the error, naming it; the others are still checked.
func (c *Client) CheckRoutes(ctx context.Context, routes []Route) ([]RouteProblem, error) {
	containers, byContainer, err := groupRoutes(routes)
	if err != nil {
		return nil, err
	}
	results := make([][]RouteProblem, len(containers))
	err = c.forEach(ctx, containers, func(ctx context.Context, i int, ctr string) error {
		want := byContainer[ctr]
		var v4, v6 bool
		for _, r := range want {
			v4 = v4 || r.Dst.Addr().Is4()
			v6 = v6 || r.Dst.Addr().Is6()
		}
		table, err := c.routeTable(ctx, ctr, v4, v6)
		if err != nil {
			return fmt.Errorf("container %s: reading routes: %w", ctr, err)
		}
		have := map[netip.Prefix]tableRoute{}
		for _, t := range table {
			have[t.Dst] = t
		}
		for _, r := range want {
			t, ok := have[r.Dst]
			switch {
			case !ok || t.Type != "unicast":
				results[i] = append(results[i], RouteProblem{Route: r})
			case t.Via != r.Via:
				results[i] = append(results[i], RouteProblem{Route: r, Have: t.Via})
			}
		}
		return nil
	})
	var out []RouteProblem
	for _, rs := range results {
		out = append(out, rs...)
	}
	return out, err
}
