package kubeconfig

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// providerConfig returns a kubeconfig as provider ("kind" or "k3d") writes it
// for a cluster called name, made from the fixtures for clusters x and y.
func providerConfig(t testing.TB, provider, name string) []byte {
	t.Helper()
	fixtures := map[string]struct{ file, name string }{
		"kind": {"testdata/kind-x.yaml", "kind-x"},
		"k3d":  {"testdata/k3d-y.yaml", "k3d-y"},
	}
	f, ok := fixtures[provider]
	if !ok {
		t.Fatalf("no fixture for provider %q", provider)
	}
	b, err := os.ReadFile(f.file)
	if err != nil {
		t.Fatal(err)
	}
	// "kind-x" and "k3d-y" cannot occur in the base64 certificate data.
	return bytes.ReplaceAll(b, []byte(f.name), []byte(provider+"-"+name))
}

func entryFor(t testing.TB, provider, name string, node int) Entry {
	t.Helper()
	return Entry{
		Name:    name,
		Server:  fmt.Sprintf("https://192.168.155.%d:6443", node),
		Config:  providerConfig(t, provider, name),
		Aliases: testAliases(name),
	}
}

// copyFixture copies a testdata file to a fresh directory and returns its path.
func copyFixture(t testing.TB, fixture string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t testing.TB, path string) *clientcmdapi.Config {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return cfg
}

// generic decodes a kubeconfig without client-go, so that fields client-go
// would drop are compared too.
func generic(t testing.TB, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// assertUserKept fails unless every entry and top-level field of orig is in
// the file at path, unchanged and in its original order, and current-context
// is wantCurrent.
func assertUserKept(t *testing.T, orig []byte, path, wantCurrent string) {
	t.Helper()
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, got := generic(t, orig), generic(t, after)
	for key, w := range want {
		switch key {
		case clustersKey, contextsKey, usersKey:
			wantItems, gotItems := byName(w), byName(got[key])
			var wantOrder, gotOrder []string
			for _, item := range w.([]any) {
				wantOrder = append(wantOrder, item.(map[string]any)["name"].(string))
			}
			for _, item := range asList(got[key]) {
				if n := item.(map[string]any)["name"].(string); wantItems[n] != nil {
					gotOrder = append(gotOrder, n)
				}
			}
			if !slices.Equal(wantOrder, gotOrder) {
				t.Errorf("%s: user's entries now in order %v, were %v", key, gotOrder, wantOrder)
			}
			for n, item := range wantItems {
				if !reflect.DeepEqual(item, gotItems[n]) {
					t.Errorf("%s entry %q changed:\nwas %#v\nnow %#v", key, n, item, gotItems[n])
				}
			}
		case currentKey:
		default:
			if !reflect.DeepEqual(w, got[key]) {
				t.Errorf("top-level %s changed: was %#v, now %#v", key, w, got[key])
			}
		}
	}
	if cur, _ := got[currentKey].(string); cur != wantCurrent {
		t.Errorf("current-context = %q, want %q", cur, wantCurrent)
	}

	// The same through client-go's eyes, extensions and exec config included.
	origCfg, err := clientcmd.Load(orig)
	if err != nil {
		t.Fatal(err)
	}
	afterCfg := mustLoad(t, path)
	for n, c := range origCfg.Clusters {
		c.LocationOfOrigin = path
		if !reflect.DeepEqual(c, afterCfg.Clusters[n]) {
			t.Errorf("cluster %q: client-go sees %#v, want %#v", n, afterCfg.Clusters[n], c)
		}
	}
	for n, u := range origCfg.AuthInfos {
		u.LocationOfOrigin = path
		if !reflect.DeepEqual(u, afterCfg.AuthInfos[n]) {
			t.Errorf("user %q: client-go sees %#v, want %#v", n, afterCfg.AuthInfos[n], u)
		}
	}
	for n, c := range origCfg.Contexts {
		c.LocationOfOrigin = path
		if !reflect.DeepEqual(c, afterCfg.Contexts[n]) {
			t.Errorf("context %q: client-go sees %#v, want %#v", n, afterCfg.Contexts[n], c)
		}
	}
	if !reflect.DeepEqual(origCfg.Preferences, afterCfg.Preferences) {
		t.Errorf("preferences: client-go sees %#v, want %#v", afterCfg.Preferences, origCfg.Preferences)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func byName(v any) map[string]any {
	m := map[string]any{}
	for _, item := range asList(v) {
		m[item.(map[string]any)["name"].(string)] = item
	}
	return m
}

// assertNoLeftovers fails if a lock or temporary file is left in dir.
func assertNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".lock") || strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left behind in %s: %s", dir, e.Name())
		}
	}
}

// assertLab checks that the file holds context, cluster and user name with
// the given server, and that nothing kind or k3d call it is left.
func assertLab(t *testing.T, cfg *clientcmdapi.Config, name, server string) {
	t.Helper()
	ctx := cfg.Contexts[name]
	if ctx == nil {
		t.Errorf("context %q missing", name)
		return
	}
	if ctx.Cluster != name || ctx.AuthInfo != name {
		t.Errorf("context %q uses cluster %q and user %q, want both %q", name, ctx.Cluster, ctx.AuthInfo, name)
	}
	if c := cfg.Clusters[name]; c == nil || c.Server != server {
		t.Errorf("cluster %q = %+v, want server %s", name, c, server)
	}
	if cfg.AuthInfos[name] == nil {
		t.Errorf("user %q missing", name)
	}
	stale := flatten(testAliases(name))
	for _, n := range stale.contexts {
		if cfg.Contexts[n] != nil {
			t.Errorf("context %q left behind", n)
		}
	}
	for _, n := range stale.clusters {
		if cfg.Clusters[n] != nil {
			t.Errorf("cluster %q left behind", n)
		}
	}
	for _, n := range stale.users {
		if cfg.AuthInfos[n] != nil {
			t.Errorf("user %q left behind", n)
		}
	}
}

// testAliases are the names kind and k3d give a cluster's entries, as
// their providers report them (internal/provider/kind and k3d).
func testAliases(name string) []Names {
	return []Names{
		{Context: "kind-" + name, Cluster: "kind-" + name, User: "kind-" + name},
		{Context: "k3d-" + name, Cluster: "k3d-" + name, User: "admin@k3d-" + name},
	}
}
