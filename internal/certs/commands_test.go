package certs

import (
	"reflect"
	"testing"
)

const (
	stepAnchor = "step certificate create root.linkerd.cluster.local certs/root.crt certs/root.key" +
		" --profile root-ca --no-password --insecure --kty EC --crv P-256 --not-after 87600h"
	stepSmiley = "step certificate create identity.linkerd.cluster.local clusters/smiley/issuer.crt clusters/smiley/issuer.key" +
		" --profile intermediate-ca --not-after 8760h --no-password --insecure --ca certs/root.crt --ca-key certs/root.key --kty EC --crv P-256"
)

func TestCommands(t *testing.T) {
	smiley := []string{"clusters/smiley/issuer.crt", "clusters/smiley/issuer.key"}
	anchor := []string{"certs/root.crt", "certs/root.key"}
	tests := []struct {
		name    string
		opts    Options
		actions []Action
		want    []string
	}{
		{"fresh lab", Options{TrustDir: "./certs"},
			[]Action{{Kind: "create-anchor", Files: anchor}, {Kind: "create-issuer", Cluster: "smiley", Files: smiley}},
			[]string{stepAnchor, stepSmiley}},
		{"default trust dir", Options{},
			[]Action{{Kind: "create-anchor", Files: anchor}},
			[]string{stepAnchor}},
		{"keep needs no command", Options{TrustDir: "certs"},
			[]Action{{Kind: "keep-anchor", Files: anchor}, {Kind: "keep-issuer", Cluster: "smiley", Files: smiley}},
			nil},
		{"replace overwrites", Options{TrustDir: "certs", Force: true},
			[]Action{{Kind: "keep-anchor", Files: anchor}, {Kind: "replace-issuer", Cluster: "smiley", Files: smiley}},
			[]string{stepSmiley + " --force"}},
		{"new anchor overwrites", Options{TrustDir: "certs", NewAnchor: true},
			[]Action{{Kind: "create-anchor", Files: anchor}, {Kind: "replace-issuer", Cluster: "smiley", Files: smiley}},
			[]string{stepAnchor + " --force", stepSmiley + " --force"}},
		{"paths quoted for a shell", Options{TrustDir: "my certs"},
			[]Action{{Kind: "create-issuer", Cluster: "x", Files: []string{"lab's/x/issuer.crt", "/tmp/$HOME/issuer.key"}}},
			[]string{"step certificate create identity.linkerd.cluster.local 'lab'\\''s/x/issuer.crt' '/tmp/$HOME/issuer.key'" +
				" --profile intermediate-ca --not-after 8760h --no-password --insecure --ca 'my certs/root.crt' --ca-key 'my certs/root.key' --kty EC --crv P-256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Commands(tt.actions, tt.opts); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestCommandsFromPlan: what the old tool's users typed, from a real plan
// with relative paths as workshops use them.
func TestCommandsFromPlan(t *testing.T) {
	t.Chdir(t.TempDir())
	opts := Options{TrustDir: "./certs", Clusters: []Cluster{{Name: "smiley", Dir: "clusters/smiley"}}}
	actions, err := Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Commands(actions, opts), []string{stepAnchor, stepSmiley}; !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
