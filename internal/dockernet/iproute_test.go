package dockernet

import (
	"net/netip"
	"slices"
	"testing"
)

func TestParseRoutes(t *testing.T) {
	tests := []struct {
		name string
		out  string
		v6   bool
		want []tableRoute
	}{{
		name: "busybox v4",
		out: "default via 192.168.232.1 dev eth0 \n" +
			"10.2.1.0/24 via 192.168.232.3 dev eth0 \n" +
			"192.168.232.0/24 dev eth0 scope link  src 192.168.232.2 \n",
		want: []tableRoute{
			{Dst: pfx("0.0.0.0/0"), Via: addr("192.168.232.1"), Type: "unicast"},
			{Dst: pfx("10.2.1.0/24"), Via: addr("192.168.232.3"), Type: "unicast"},
			{Dst: pfx("192.168.232.0/24"), Type: "unicast"},
		},
	}, {
		name: "busybox v6",
		v6:   true,
		out: "fd00:2:1::/64 via fd00:beef:9998::3 dev eth0  metric 1024 \n" +
			"fe80::/64 dev eth0  metric 256 \n" +
			"default via fd00:beef:9998::1 dev eth0  metric 1024 \n" +
			"multicast ff00::/8 dev eth0  metric 256 \n",
		want: []tableRoute{
			{Dst: pfx("fd00:2:1::/64"), Via: addr("fd00:beef:9998::3"), Type: "unicast"},
			{Dst: pfx("fe80::/64"), Type: "unicast"},
			{Dst: pfx("::/0"), Via: addr("fd00:beef:9998::1"), Type: "unicast"},
			{Dst: pfx("ff00::/8"), Type: "multicast"},
		},
	}, {
		name: "iproute2 host route, blackhole, proto and multipath",
		out: "10.5.1.7 via 172.18.0.3 dev eth0 proto static \n" +
			"blackhole 10.9.0.0/16 proto bird \n" +
			"10.6.1.0/24 proto static \n" +
			"\tnexthop via 172.18.0.4 dev eth0 weight 1 \n" +
			"\tnexthop via 172.18.0.5 dev eth0 weight 1 \n" +
			"10.7.1.0/24 via inet6 fe80::1 dev eth0 \n",
		want: []tableRoute{
			{Dst: pfx("10.5.1.7/32"), Via: addr("172.18.0.3"), Type: "unicast"},
			{Dst: pfx("10.9.0.0/16"), Type: "blackhole"},
			{Dst: pfx("10.6.1.0/24"), Type: "unicast"},
			{Dst: pfx("10.7.1.0/24"), Via: addr("fe80::1"), Type: "unicast"},
		},
	}, {
		name: "empty",
		out:  "",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseRoutes(tt.out, tt.v6)
			if !slices.Equal(got, tt.want) {
				t.Errorf("parseRoutes:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestRouteCommands(t *testing.T) {
	tests := []struct{ got, want string }{
		{RouteCommand(Route{Container: "smiley-control-plane", Dst: pfx("10.5.1.0/24"), Via: addr("192.168.155.3")}),
			"docker exec smiley-control-plane ip route replace 10.5.1.0/24 via 192.168.155.3"},
		{RouteCommand(Route{Container: "k3d-cdn-server-0", Dst: pfx("fd00:51:1::/64"), Via: addr("fc00:f853:ccd:e793::3")}),
			"docker exec k3d-cdn-server-0 ip -6 route replace fd00:51:1::/64 via fc00:f853:ccd:e793::3"},
		{RouteCommandText("face-control-plane", "10.5.1.0/24", "<node IP of smiley>"),
			"docker exec face-control-plane ip route replace 10.5.1.0/24 via <node IP of smiley>"},
		{RouteCommandText("face-control-plane", "fd00:51:1::/64", "$(docker inspect ...)"),
			"docker exec face-control-plane ip -6 route replace fd00:51:1::/64 via $(docker inspect ...)"},
		{RouteDeleteCommandText("face-control-plane", "10.5.1.0/24"),
			"docker exec face-control-plane ip route del 10.5.1.0/24"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got  %s\nwant %s", tt.got, tt.want)
		}
	}
}

func TestGroupRoutes(t *testing.T) {
	good := Route{Container: "a", Dst: pfx("10.2.1.7/24"), Via: addr("192.168.1.3")}
	tests := []struct {
		name    string
		routes  []Route
		wantErr string
		want    map[string][]Route
	}{
		{name: "masks and dedupes", routes: []Route{good, good},
			want: map[string][]Route{"a": {{Container: "a", Dst: pfx("10.2.1.0/24"), Via: addr("192.168.1.3")}}}},
		{name: "no container", routes: []Route{{Dst: pfx("10.2.1.0/24"), Via: addr("192.168.1.3")}},
			wantErr: "route 10.2.1.0/24 via 192.168.1.3: no container"},
		{name: "mixed families", routes: []Route{{Container: "a", Dst: pfx("fd00:2:1::/64"), Via: addr("192.168.1.3")}},
			wantErr: "route fd00:2:1::/64 via 192.168.1.3 in a: destination and gateway are of different IP families"},
		{name: "two gateways", routes: []Route{good, {Container: "a", Dst: pfx("10.2.1.0/24"), Via: addr("192.168.1.4")}},
			wantErr: "container a: route to 10.2.1.0/24 both via 192.168.1.3 and via 192.168.1.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, err := groupRoutes(tt.routes)
			if errString(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errString(err), tt.wantErr)
			}
			if tt.want != nil && !slices.Equal(got["a"], tt.want["a"]) {
				t.Errorf("grouped = %v, want %v", got, tt.want)
			}
		})
	}
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
