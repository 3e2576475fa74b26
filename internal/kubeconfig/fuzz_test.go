package kubeconfig

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// FuzzTreeEditor feeds arbitrary kubeconfig files to the tree editor the
// way Merge and Remove use it (readTree's refusal, the edit, encoding) and
// checks, through client-go's own loader, that nothing else in the file is
// lost, that the result loads, that the merge is idempotent and that the
// removal takes back exactly what the merge added.
func FuzzTreeEditor(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.yaml")
	paths = append(paths, mustGlob(f, "testdata/fuzz/seeds/*")...)
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"", "# only a comment\n", "~", "{}", "clusters: []\ncontexts: []\nusers: []\n", "current-context: kind-x\n",
		`{"apiVersion":"v1","kind":"Config","clusters":[{"name":"a","cluster":{"server":"https://a"}}]}`,
		"clusters: ~\ncontexts:\nusers: []\n", "clusters:\n- name: x\n  cluster: {server: https://old}\n- name: x\n  cluster: {server: https://dup}\n",
		"current-context: on\ncontexts:\n- name: \"on\"\n  context: {cluster: c, user: u}\n",
	} {
		f.Add([]byte(s))
	}
	entry := entryFor(f, "kind", "x", 2)
	f.Fuzz(func(t *testing.T, data []byte) {
		before, err := clientcmd.Load(data)
		if err != nil {
			return // readTree refuses what kubectl cannot read
		}
		tr, err := parseTree(data)
		if err != nil {
			return // refused: the file is left alone
		}
		nodes, stale, err := entry.entries()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mergeInto(tr, "x", nodes, stale); err != nil {
			return // e.g. "clusters is a mapping, not a list": refused
		}
		merged := encodeAndLoad(t, tr)
		checkMerged(t, before, merged, stale)

		// Idempotent: merging again from the written file changes nothing.
		again := reparse(t, tr)
		nodes, stale, _ = entry.entries()
		if changed, err := mergeInto(again, "x", nodes, stale); err != nil || changed {
			t.Fatalf("second merge: changed=%v err=%v", changed, err)
		}
		// Remove takes back what Merge added, and nothing else.
		if _, err := removeFrom(again, names{contexts: []string{"x"}, clusters: []string{"x"}, users: []string{"x"}}); err != nil {
			t.Fatal(err)
		}
		removed := encodeAndLoad(t, again)
		gone := func(list []string) []string { return append([]string{"x"}, list...) }
		for _, m := range []struct {
			what        string
			got, before any
		}{
			{"clusters", removed.Clusters, without(before.Clusters, gone(stale.clusters))},
			{"contexts", removed.Contexts, without(before.Contexts, gone(stale.contexts))},
			{"users", removed.AuthInfos, without(before.AuthInfos, gone(stale.users))},
		} {
			if !reflect.DeepEqual(m.got, m.before) {
				t.Fatalf("after merge and remove, %s differ:\n got %v\nwant %v", m.what, m.got, m.before)
			}
		}
	})
}

func mustGlob(f *testing.F, pattern string) []string {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatal(err)
	}
	return paths
}

func encodeAndLoad(t *testing.T, tr *tree) *clientcmdapi.Config {
	t.Helper()
	out, err := tr.encode()
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	cfg, err := clientcmd.Load(out)
	if err != nil {
		t.Fatalf("the edited kubeconfig does not load: %v\n%s", err, out)
	}
	return cfg
}

func reparse(t *testing.T, tr *tree) *tree {
	t.Helper()
	out, err := tr.encode()
	if err != nil {
		t.Fatal(err)
	}
	again, err := parseTree(out)
	if err != nil {
		t.Fatalf("the edited kubeconfig does not parse again: %v\n%s", err, out)
	}
	return again
}

// checkMerged checks the merge against the file before it: the new
// entries are there, the provider's are gone, every other entry and the
// preferences are as they were.
func checkMerged(t *testing.T, before, after *clientcmdapi.Config, stale names) {
	t.Helper()
	if c := after.Clusters["x"]; c == nil || c.Server != "https://192.168.155.2:6443" {
		t.Fatalf("merged cluster x is %+v", c)
	}
	if c := after.Contexts["x"]; c == nil || c.Cluster != "x" || c.AuthInfo != "x" {
		t.Fatalf("merged context x is %+v", c)
	}
	if after.AuthInfos["x"] == nil {
		t.Fatal("merged user x is missing")
	}
	touched := names{
		clusters: append([]string{"x"}, stale.clusters...),
		contexts: append([]string{"x"}, stale.contexts...),
		users:    append([]string{"x"}, stale.users...),
	}
	if got, want := without(after.Clusters, touched.clusters), without(before.Clusters, touched.clusters); !reflect.DeepEqual(got, want) {
		t.Fatalf("other clusters changed:\n got %v\nwant %v", got, want)
	}
	if got, want := without(after.Contexts, touched.contexts), without(before.Contexts, touched.contexts); !reflect.DeepEqual(got, want) {
		t.Fatalf("other contexts changed:\n got %v\nwant %v", got, want)
	}
	if got, want := without(after.AuthInfos, touched.users), without(before.AuthInfos, touched.users); !reflect.DeepEqual(got, want) {
		t.Fatalf("other users changed:\n got %v\nwant %v", got, want)
	}
	if !reflect.DeepEqual(after.Preferences, before.Preferences) || !reflect.DeepEqual(after.Extensions, before.Extensions) {
		t.Fatalf("preferences or extensions changed")
	}
	wantCurrent := before.CurrentContext
	if wantCurrent == "" || contains(stale.contexts, wantCurrent) {
		wantCurrent = "x"
	}
	if after.CurrentContext != wantCurrent {
		t.Fatalf("current-context %q, want %q (was %q)", after.CurrentContext, wantCurrent, before.CurrentContext)
	}
}

func without[V any](m map[string]V, drop []string) map[string]V {
	out := map[string]V{}
	for k, v := range m {
		if !contains(drop, k) {
			out[k] = v
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
