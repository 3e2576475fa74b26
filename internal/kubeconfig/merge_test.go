package kubeconfig

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

func TestMergeRenamesProviderEntries(t *testing.T) {
	tests := []struct {
		name     string
		fixture  string
		lab      string
		server   string
		srcCtx   string // the provider's context, cluster and user
		srcClus  string
		srcUser  string
		existing string // file contents before the merge
		current  string // current-context wanted after it
	}{
		{
			name: "kind into a new file", fixture: "kind-x.yaml", lab: "x",
			server: "https://192.168.155.2:6443",
			srcCtx: "kind-x", srcClus: "kind-x", srcUser: "kind-x",
			current: "x",
		},
		{
			// "y" also checks quoting: unquoted, YAML 1.1 reads it as true.
			name: "k3d into a new file", fixture: "k3d-y.yaml", lab: "y",
			server: "https://192.168.155.3:6443",
			srcCtx: "k3d-y", srcClus: "k3d-y", srcUser: "admin@k3d-y",
			current: "y",
		},
		{
			name: "IPv6 server", fixture: "kind-x.yaml", lab: "x",
			server: "https://[fc00:f853:ccd:e793::2]:6443",
			srcCtx: "kind-x", srcClus: "kind-x", srcUser: "kind-x",
			current: "x",
		},
		{
			// kind's own export, with kind setting current-context, must
			// become the renamed entry, current-context following it.
			name: "kind already exported its entries", fixture: "kind-x.yaml", lab: "x",
			server: "https://192.168.155.2:6443",
			srcCtx: "kind-x", srcClus: "kind-x", srcUser: "kind-x",
			existing: "testdata/kind-x.yaml", current: "x",
		},
		{
			name: "k3d already exported its entries", fixture: "k3d-y.yaml", lab: "y",
			server: "https://192.168.155.3:6443",
			srcCtx: "k3d-y", srcClus: "k3d-y", srcUser: "admin@k3d-y",
			existing: "testdata/k3d-y.yaml", current: "y",
		},
		{
			name: "user's current-context is kept", fixture: "k3d-y.yaml", lab: "y",
			server: "https://192.168.155.3:6443",
			srcCtx: "k3d-y", srcClus: "k3d-y", srcUser: "admin@k3d-y",
			existing: "testdata/user.yaml", current: "work",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			if tt.existing != "" {
				b, err := os.ReadFile(tt.existing)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			srcBytes, err := os.ReadFile(filepath.Join("testdata", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			src, err := clientcmd.Load(srcBytes)
			if err != nil {
				t.Fatal(err)
			}

			changed, err := Merge(path, Entry{Name: tt.lab, Server: tt.server, Config: srcBytes, Aliases: testAliases(tt.lab)})
			if err != nil || !changed {
				t.Fatalf("Merge = %v, %v; want true, nil", changed, err)
			}

			got := mustLoad(t, path)
			assertLab(t, got, tt.lab, tt.server)
			if got.CurrentContext != tt.current {
				t.Errorf("current-context = %q, want %q", got.CurrentContext, tt.current)
			}
			wantCluster, wantUser := src.Clusters[tt.srcClus], src.AuthInfos[tt.srcUser]
			if !bytes.Equal(got.Clusters[tt.lab].CertificateAuthorityData, wantCluster.CertificateAuthorityData) ||
				len(wantCluster.CertificateAuthorityData) == 0 {
				t.Error("certificate-authority-data not carried over")
			}
			u := got.AuthInfos[tt.lab]
			if u == nil || !bytes.Equal(u.ClientCertificateData, wantUser.ClientCertificateData) ||
				!bytes.Equal(u.ClientKeyData, wantUser.ClientKeyData) || len(wantUser.ClientKeyData) == 0 {
				t.Error("client certificate and key not carried over")
			}
			for _, stale := range []string{tt.srcCtx, tt.srcClus, tt.srcUser} {
				if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("name: "+stale+"\n")) {
					t.Errorf("provider name %q still in the file", stale)
				}
			}
			if fi, err := os.Stat(path); err != nil || (tt.existing == "" && fi.Mode().Perm() != 0o600) {
				t.Errorf("new file mode = %v (%v), want 0600", fi.Mode().Perm(), err)
			}
			assertNoLeftovers(t, filepath.Dir(path))
		})
	}
}

func TestMergeAndRemoveKeepUserEntries(t *testing.T) {
	orig, err := os.ReadFile("testdata/user.yaml")
	if err != nil {
		t.Fatal(err)
	}
	asJSON, err := yaml.YAMLToJSON(orig)
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		what    string
		run     func(path string) (bool, error)
		labs    map[string]string // lab contexts wanted afterwards, with servers
		changed bool
	}
	steps := []step{
		{"merge kind x", func(p string) (bool, error) { return Merge(p, entryFor(t, "kind", "x", 2)) },
			map[string]string{"x": "https://192.168.155.2:6443"}, true},
		{"merge k3d y", func(p string) (bool, error) { return Merge(p, entryFor(t, "k3d", "y", 3)) },
			map[string]string{"x": "https://192.168.155.2:6443", "y": "https://192.168.155.3:6443"}, true},
		{"re-merge x at a new address", func(p string) (bool, error) { return Merge(p, entryFor(t, "kind", "x", 9)) },
			map[string]string{"x": "https://192.168.155.9:6443", "y": "https://192.168.155.3:6443"}, true},
		{"re-merge y unchanged", func(p string) (bool, error) { return Merge(p, entryFor(t, "k3d", "y", 3)) },
			map[string]string{"x": "https://192.168.155.9:6443", "y": "https://192.168.155.3:6443"}, false},
		{"remove x", func(p string) (bool, error) { return Remove(p, "x", testAliases("x")...) },
			map[string]string{"y": "https://192.168.155.3:6443"}, true},
		{"remove x again", func(p string) (bool, error) { return Remove(p, "x", testAliases("x")...) },
			map[string]string{"y": "https://192.168.155.3:6443"}, false},
		{"remove y", func(p string) (bool, error) { return Remove(p, "y", testAliases("y")...) }, nil, true},
	}
	for _, format := range []struct {
		name string
		data []byte
	}{{"yaml", orig}, {"json", asJSON}} {
		t.Run(format.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(path, format.data, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, s := range steps {
				changed, err := s.run(path)
				if err != nil || changed != s.changed {
					t.Fatalf("%s = %v, %v; want %v, nil", s.what, changed, err, s.changed)
				}
				assertUserKept(t, orig, path, "work")
				cfg := mustLoad(t, path)
				if len(cfg.Contexts) != 3+len(s.labs) {
					t.Errorf("after %s: %d contexts, want %d", s.what, len(cfg.Contexts), 3+len(s.labs))
				}
				for name, server := range s.labs {
					assertLab(t, cfg, name, server)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if format.name == "yaml" && !bytes.Contains(b, []byte("# Personal kubeconfig: hand-edited, keep this comment.")) {
				t.Error("the user's comment was lost")
			}
			for _, gone := range []string{"192.168.155", "name: x\n", "name: y\n"} {
				if bytes.Contains(b, []byte(gone)) {
					t.Errorf("%q still in the file after removing both labs", gone)
				}
			}
		})
	}
}

func TestNoChangeLeavesFileAlone(t *testing.T) {
	tests := []struct {
		name string
		prep func(t *testing.T, path string)
		run  func(path string) (bool, error)
	}{
		{"identical re-merge", func(t *testing.T, path string) {
			if _, err := Merge(path, entryFor(t, "kind", "x", 2)); err != nil {
				t.Fatal(err)
			}
		}, func(path string) (bool, error) { return Merge(path, entryFor(t, "kind", "x", 2)) }},
		{"identical re-merge of k3d", func(t *testing.T, path string) {
			if _, err := Merge(path, entryFor(t, "k3d", "y", 3)); err != nil {
				t.Fatal(err)
			}
		}, func(path string) (bool, error) { return Merge(path, entryFor(t, "k3d", "y", 3)) }},
		{"remove of a missing cluster", func(*testing.T, string) {},
			func(path string) (bool, error) { return Remove(path, "nope", testAliases("nope")...) }},
		{"remove of x leaves the user's kind-xx alone", func(*testing.T, string) {},
			func(path string) (bool, error) { return Remove(path, "x", testAliases("x")...) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := copyFixture(t, "user.yaml")
			tt.prep(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fiBefore, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}

			changed, err := tt.run(path)
			if err != nil || changed {
				t.Fatalf("got %v, %v; want false, nil", changed, err)
			}

			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fiAfter, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("file contents changed")
			}
			if !os.SameFile(fiBefore, fiAfter) || !fiBefore.ModTime().Equal(fiAfter.ModTime()) {
				t.Error("file was rewritten (new inode or mtime)")
			}
			assertNoLeftovers(t, filepath.Dir(path))
		})
	}
}

func TestRemoveDropsProviderLeftoversAndCurrentContext(t *testing.T) {
	tests := []struct {
		name, lab, fixture, current string
	}{
		{"renamed entry that is current", "x", "", "x"},
		{"kind's own entries", "x", "testdata/kind-x.yaml", "kind-x"},
		{"k3d's own entries", "y", "testdata/k3d-y.yaml", "k3d-y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			if tt.fixture != "" {
				b, err := os.ReadFile(tt.fixture)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
			} else if _, err := Merge(path, entryFor(t, "kind", tt.lab, 2)); err != nil {
				t.Fatal(err)
			}
			if got := mustLoad(t, path).CurrentContext; got != tt.current {
				t.Fatalf("set-up: current-context = %q, want %q", got, tt.current)
			}

			changed, err := Remove(path, tt.lab, testAliases(tt.lab)...)
			if err != nil || !changed {
				t.Fatalf("Remove = %v, %v; want true, nil", changed, err)
			}
			cfg := mustLoad(t, path)
			if len(cfg.Contexts)+len(cfg.Clusters)+len(cfg.AuthInfos) != 0 {
				t.Errorf("entries left: contexts %v clusters %v users %v", keys(cfg.Contexts), keys(cfg.Clusters), keys(cfg.AuthInfos))
			}
			if cfg.CurrentContext != "" {
				t.Errorf("current-context = %q, want it cleared", cfg.CurrentContext)
			}
		})
	}
}

func TestMergeRejectsBadInput(t *testing.T) {
	good := entryFor(t, "kind", "x", 2)
	twoContexts := bytes.Replace(providerConfig(t, "kind", "x"), []byte("current-context: kind-x"), []byte("current-context: \"\""), 1)
	twoContexts = bytes.Replace(twoContexts, []byte("contexts:\n"), []byte("contexts:\n- context:\n    cluster: kind-x\n    user: kind-x\n  name: other\n"), 1)
	tests := []struct {
		name     string
		entry    Entry
		existing string
		wantErr  string
	}{
		{"no name", Entry{Server: good.Server, Config: good.Config}, "", "empty cluster name"},
		{"server without host", Entry{Name: "x", Server: "https://:6443", Config: good.Config}, "", `"https://:6443"`},
		{"plain http", Entry{Name: "x", Server: "http://192.168.155.2:6443", Config: good.Config}, "", "https://<host>:<port>"},
		{"not a kubeconfig", Entry{Name: "x", Server: good.Server, Config: []byte("{[")}, "", "provider kubeconfig"},
		{"two contexts and no current", Entry{Name: "x", Server: good.Server, Config: twoContexts}, "", "2 contexts and no current-context"},
		{"existing file is not a kubeconfig", good, "clusters: 5\n", "left alone"},
		{"existing file holds two documents", good, "apiVersion: v1\nkind: Config\n---\napiVersion: v1\nkind: Config\n", "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := copyFixture(t, "user.yaml")
			if tt.existing != "" {
				if err := os.WriteFile(path, []byte(tt.existing), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			changed, err := Merge(path, tt.entry)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || changed {
				t.Fatalf("Merge = %v, %v; want an error containing %q", changed, err, tt.wantErr)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("file changed despite the error")
			}
			assertNoLeftovers(t, filepath.Dir(path))
		})
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestMergeIntoEmptyishFile(t *testing.T) {
	tests := []struct{ name, existing string }{
		{"empty", ""},
		{"blank line", "\n"},
		{"only a comment", "# nothing yet\n"},
		{"null", "null\n"},
		{"empty JSON object", "{}\n"},
		{"null lists, as kubectl writes", "apiVersion: v1\nkind: Config\nclusters: null\ncontexts: null\nusers: null\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(path, []byte(tt.existing), 0o600); err != nil {
				t.Fatal(err)
			}
			if changed, err := Merge(path, entryFor(t, "kind", "x", 2)); err != nil || !changed {
				t.Fatalf("Merge = %v, %v; want true, nil", changed, err)
			}
			cfg := mustLoad(t, path)
			assertLab(t, cfg, "x", "https://192.168.155.2:6443")
			if cfg.CurrentContext != "x" {
				t.Errorf("current-context = %q, want x", cfg.CurrentContext)
			}
		})
	}
}
