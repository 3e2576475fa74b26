package kind

import (
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/localcluster/localcluster/internal/provider"
)

// TestMirrorConfig checks the containerd side: the config patch that
// turns on config_path, and hosts.toml files that parse as TOML and name
// the mirror first and the upstream as the fallback server.
func TestMirrorConfig(t *testing.T) {
	s := specs()["v4-mirrors"]
	cfg, err := build(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.ContainerdConfigPatches) != 1 {
		t.Fatalf("patches = %q, want one", cfg.ContainerdConfigPatches)
	}
	var patch map[string]map[string]map[string]map[string]string
	if err := toml.Unmarshal([]byte(cfg.ContainerdConfigPatches[0]), &patch); err != nil {
		t.Fatalf("patch is not TOML: %v", err)
	}
	if got := patch["plugins"]["io.containerd.grpc.v1.cri"]["registry"]["config_path"]; got != HostsDir {
		t.Errorf("config_path = %q, want %q", got, HostsDir)
	}
	files := HostsFiles(s.Mirrors)
	if len(files) != len(s.Mirrors) {
		t.Fatalf("%d hosts files for %d mirrors", len(files), len(s.Mirrors))
	}
	for _, f := range files {
		var h struct {
			Server string `toml:"server"`
			Host   map[string]struct {
				Capabilities []string `toml:"capabilities"`
			} `toml:"host"`
		}
		if err := toml.Unmarshal(f.Data, &h); err != nil {
			t.Fatalf("%s is not TOML: %v", f.Path, err)
		}
		reg := strings.TrimSuffix(strings.TrimPrefix(f.Path, HostsDir+"/"), "/hosts.toml")
		m := provider.Mirror{Registry: reg}
		if h.Server != m.Upstream() {
			t.Errorf("%s: server = %q, want %q", f.Path, h.Server, m.Upstream())
		}
		if len(h.Host) != 1 {
			t.Errorf("%s: hosts %v, want the one mirror", f.Path, h.Host)
		}
		for url, host := range h.Host {
			if !strings.HasPrefix(url, "http://localcluster-cache:") || strings.Join(host.Capabilities, ",") != "pull,resolve" {
				t.Errorf("%s: host %s %v", f.Path, url, host.Capabilities)
			}
		}
	}
	if cfg, _ := build(specs()["v4"]); len(cfg.ContainerdConfigPatches) != 0 {
		t.Errorf("without mirrors: patches %q", cfg.ContainerdConfigPatches)
	}
	if got := specs()["v4"]; strings.Contains(New(Options{}).Command(got), "certs.d") {
		t.Error("without mirrors the command writes hosts files")
	}
}
