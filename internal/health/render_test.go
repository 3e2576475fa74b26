package health

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/testenv/golden"
)

// workshopReport is a report of the workshop's seven clusters, made by
// hand: group face pod-to-pod, group dr pod-to-pod, cdn linked to faces
// and faces-dr through their gateways; color-b's node stopped, a route
// missing in smiley, and cdn's link to faces-dr with a dead gateway.
func workshopReport() *Report {
	ok := func(name, msg string) Check { return Check{Name: name, Status: OK, Message: msg} }
	cluster := func(name, provider, group string, extra ...Check) ClusterReport {
		checks := []Check{ok(CheckNode, name+" runs"), ok(CheckAPI, "ready")}
		return ClusterReport{Name: name, Provider: provider, Group: group, Checks: append(checks, extra...)}
	}
	r := &Report{Network: "kind", Clusters: []ClusterReport{
		cluster("cdn", "k3d", ""),
		cluster("color", "kind", "face"),
		cluster("color-b", "kind", "face", Check{Name: CheckNode, Status: Fail, Message: "node container color-b-control-plane is exited", Fix: "localcluster start clusters color-b"}),
		cluster("faces", "kind", "face"),
		cluster("faces-dr", "k3d", "dr"),
		cluster("smiley", "kind", "face", Check{Name: CheckRoutes, Status: Fail, Message: "no route to 10.3.1.0/24 via 192.168.155.4 in smiley-control-plane", Fix: "localcluster route clusters"}),
		cluster("smiley-dr", "k3d", "dr", Check{Name: CheckIssuer, Status: Warn, Message: "issuer.crt: 12 days left"}),
	}}
	link := func(src, dst, mode string, extra ...Check) LinkReport {
		checks := []Check{ok(CheckLink, "Link "+dst), ok(CheckCredentials, "works")}
		return LinkReport{Source: src, Target: dst, Mode: mode, Checks: append(checks, extra...)}
	}
	face := []string{"color", "color-b", "faces", "smiley"}
	for _, a := range face {
		for _, b := range face {
			if a == b {
				continue
			}
			var extra []Check
			if a == "color-b" || b == "color-b" {
				extra = append(extra, Check{Name: CheckCredentials, Status: Unknown, Message: "not checked: color-b is unreachable"})
			}
			r.Links = append(r.Links, link(a, b, ModePodToPod, extra...))
		}
	}
	r.Links = append(r.Links,
		link("smiley-dr", "faces-dr", ModePodToPod), link("faces-dr", "smiley-dr", ModePodToPod),
		link("cdn", "faces", ModeGateway, ok(CheckGateway, "alive")),
		link("cdn", "faces-dr", ModeGateway, Check{Name: CheckGateway, Status: Fail, Message: "gateway_alive 0", Fix: "localcluster link --src cdn --dst faces-dr clusters"}),
	)
	r.finish()
	return r
}

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name), got)
}

func TestPictures(t *testing.T) {
	r := workshopReport()
	for _, tc := range []struct {
		file  string
		write func(*bytes.Buffer, *Report) error
		want  []string
	}{
		{"workshop.mmd", func(b *bytes.Buffer, r *Report) error { return WriteMermaid(b, r) },
			[]string{`subgraph c_g_face["group face"]`, `c_color_b["<b>color-b</b><br/>fail: node"]:::fail`, "c_cdn -.->|gateway: gateway| c_faces_dr", "linkStyle 8 stroke:#c62828"}},
		{"workshop.dot", func(b *bytes.Buffer, r *Report) error { return WriteDot(b, r) },
			[]string{`subgraph "cluster_dr"`, `"cdn" -> "faces-dr" [label="gateway: gateway", color="#c62828"`, `style=dashed`}},
		{"workshop.svg", func(b *bytes.Buffer, r *Report) error { return WriteSVG(b, r) },
			[]string{`<svg xmlns="http://www.w3.org/2000/svg"`, ">smiley-dr</text>", "group dr", `stroke-dasharray="7 5"`}},
		{"workshop.txt", func(b *bytes.Buffer, r *Report) error { return WriteTable(b, r) },
			[]string{"fix: localcluster start clusters color-b", "Unhealthy: 3 failing, 6 unknown"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b, r); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("%s lacks %q:\n%s", tc.file, w, b.String())
				}
			}
			goldenFile(t, tc.file, b.Bytes())
		})
	}
}

func TestVerdictAndProblems(t *testing.T) {
	r := workshopReport()
	if r.Healthy {
		t.Fatal("a report with failures is healthy")
	}
	if got := r.Summary; got.Fail != 3 || got.Warn != 1 || got.Unknown != 6 {
		t.Errorf("summary %+v, want 3 fail, 1 warn, 6 unknown", got)
	}
	if p := r.Problems(); len(p) != 9 || p[0] != "cdn->faces-dr/gateway" {
		t.Errorf("problems %v, want 9 starting with cdn->faces-dr/gateway", p)
	}
	healthy := &Report{Clusters: []ClusterReport{{Name: "a", Checks: []Check{{Name: "x", Status: OK}, {Name: "y", Status: Warn}, {Name: "z", Status: Skipped}}}}}
	healthy.finish()
	if !healthy.Healthy || Verdict(healthy) != "Healthy: 2 checks pass (1 with a warning), 1 do not apply." {
		t.Errorf("healthy %v, verdict %q", healthy.Healthy, Verdict(healthy))
	}
}

func TestGaugeFor(t *testing.T) {
	body := []byte(`# HELP gateway_alive A gauge
# TYPE gateway_alive gauge
gateway_alive{gateway_name="linkerd-gateway",target_cluster_name="east"} 0
gateway_alive{gateway_name="linkerd-gateway",target_cluster_name="west"} 1
gateway_alive_other{target_cluster_name="north"} 1
`)
	for _, tc := range []struct {
		target string
		want   float64
		found  bool
	}{{"east", 0, true}, {"west", 1, true}, {"north", 0, false}, {"wes", 0, false}} {
		got, found := gaugeFor(body, "gateway_alive", "target_cluster_name", tc.target)
		if got != tc.want || found != tc.found {
			t.Errorf("%s: %v %v, want %v %v", tc.target, got, found, tc.want, tc.found)
		}
	}
}
