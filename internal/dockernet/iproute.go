package dockernet

import (
	"net/netip"
	"strings"
)

// tableRoute is one line of `ip route show` that matters to us.
type tableRoute struct {
	Dst  netip.Prefix
	Via  netip.Addr // zero for routes without a gateway
	Type string     // "unicast" unless the line says otherwise
}

var routeTypes = map[string]bool{
	"unicast": true, "local": true, "broadcast": true, "multicast": true,
	"throw": true, "unreachable": true, "prohibit": true, "blackhole": true,
	"nat": true, "anycast": true,
}

// parseRoutes reads the output of `ip route show` or `ip -6 route show`, as
// printed by iproute2 (kind nodes) or busybox (k3s nodes). Continuation lines
// of multipath routes are skipped: such a route has no single gateway, so it
// never equals a route we want and gets replaced.
func parseRoutes(out string, v6 bool) []tableRoute {
	var routes []tableRoute
	for _, line := range strings.Split(out, "\n") {
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		f := strings.Fields(line)
		r := tableRoute{Type: "unicast"}
		if routeTypes[f[0]] {
			r.Type, f = f[0], f[1:]
		}
		if len(f) == 0 {
			continue
		}
		dst, ok := parseDst(f[0], v6)
		if !ok {
			continue
		}
		r.Dst = dst
		for i := 1; i < len(f)-1; i++ {
			if f[i] != "via" {
				continue
			}
			gw := f[i+1]
			if (gw == "inet" || gw == "inet6") && i+2 < len(f) {
				gw = f[i+2]
			}
			r.Via = parseAddr(gw)
			break
		}
		routes = append(routes, r)
	}
	return routes
}

func parseDst(s string, v6 bool) (netip.Prefix, bool) {
	if s == "default" {
		if v6 {
			return netip.PrefixFrom(netip.IPv6Unspecified(), 0), true
		}
		return netip.PrefixFrom(netip.IPv4Unspecified(), 0), true
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err == nil
	}
	// Host routes are printed without their prefix length.
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

func ipArgs(v6 bool, args ...string) []string {
	cmd := []string{"ip"}
	if v6 {
		cmd = append(cmd, "-6")
	}
	return append(cmd, args...)
}

func replaceArgs(r Route) []string {
	return ipArgs(r.Dst.Addr().Is6(), "route", "replace", r.Dst.String(), "via", r.Via.String())
}

func deleteArgs(r tableRoute) []string {
	return ipArgs(r.Dst.Addr().Is6(), "route", "del", r.Dst.String(), "via", r.Via.String())
}

// RouteCommand is what a person would run to add the route by hand.
func RouteCommand(r Route) string {
	return "docker exec " + r.Container + " " + strings.Join(replaceArgs(r), " ")
}

// RouteCommandText is RouteCommand for addresses that may not be known yet,
// as in a dry run ("<node IP of smiley>").
func RouteCommandText(container, dst, via string) string {
	return "docker exec " + container + " " + strings.Join(ipArgs(strings.Contains(dst, ":"), "route", "replace", dst, "via", via), " ")
}

// RouteDeleteCommandText is what a person would run to remove, in container,
// the route to dst (all of its gateways).
func RouteDeleteCommandText(container, dst string) string {
	return "docker exec " + container + " " + strings.Join(ipArgs(strings.Contains(dst, ":"), "route", "del", dst), " ")
}
