package certs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestPlanWritesNothingAndMatchesEnsure: a dry run must not touch the
// disk, and must show exactly what the real run then does.
func TestPlanWritesNothingAndMatchesEnsure(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(t *testing.T, o *Options)
		wantKinds []string
	}{
		{"empty directory", func(*testing.T, *Options) {},
			[]string{"create-anchor", "create-issuer", "create-issuer"}},
		{"complete lab", func(t *testing.T, o *Options) { mustEnsure(t, *o) },
			[]string{"keep-anchor", "keep-issuer", "keep-issuer"}},
		{"one issuer missing", func(t *testing.T, o *Options) {
			mustEnsure(t, *o)
			remove(t, o.Clusters[1].Dir, "issuer.crt")
			remove(t, o.Clusters[1].Dir, "issuer.key")
		},
			[]string{"keep-anchor", "keep-issuer", "create-issuer"}},
		{"force", func(t *testing.T, o *Options) { mustEnsure(t, *o); o.Force = true },
			[]string{"keep-anchor", "replace-issuer", "replace-issuer"}},
		{"new anchor", func(t *testing.T, o *Options) { mustEnsure(t, *o); o.NewAnchor = true },
			[]string{"create-anchor", "replace-issuer", "replace-issuer"}},
		{"issuers expiring", func(t *testing.T, o *Options) { mustEnsure(t, *o); o.Now = at(t0.Add(IssuerValidity - 24*time.Hour)) },
			[]string{"keep-anchor", "replace-issuer", "replace-issuer"}},
		{"anchor lost, issuers left", func(t *testing.T, o *Options) { mustEnsure(t, *o); _ = os.RemoveAll(o.TrustDir) },
			[]string{"create-anchor", "replace-issuer", "replace-issuer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := newLab(t, "smiley", "face")
			tt.setup(t, &opts)
			before := snapshot(t, labRoot(opts))

			planned, err := Plan(opts)
			if err != nil {
				t.Fatal(err)
			}
			assertUnchanged(t, before, snapshot(t, labRoot(opts)))
			if got := kinds(planned); !reflect.DeepEqual(got, tt.wantKinds) {
				t.Errorf("planned %v, want %v", got, tt.wantKinds)
			}

			done := mustEnsure(t, opts)
			if !reflect.DeepEqual(planned, done) {
				t.Errorf("Plan and Ensure differ:\nplan   %+v\nensure %+v", planned, done)
			}
		})
	}
}

func TestPlanRefusesWhatEnsureRefuses(t *testing.T) {
	opts := newLab(t, "smiley")
	mustEnsure(t, opts)
	remove(t, opts.Clusters[0].Dir, "issuer.key")
	_, planErr := Plan(opts)
	_, ensureErr := Ensure(opts)
	if planErr == nil || ensureErr == nil || planErr.Error() != ensureErr.Error() {
		t.Errorf("Plan: %v\nEnsure: %v\nwant the same error", planErr, ensureErr)
	}
}

func TestPlanDoesNotCreateDirectories(t *testing.T) {
	root := t.TempDir()
	opts := Options{TrustDir: filepath.Join(root, "a", "certs"), Clusters: []Cluster{{"x", filepath.Join(root, "b", "x")}}}
	if _, err := Plan(opts); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(root); err != nil || len(entries) != 0 {
		t.Errorf("Plan created %v (err %v)", entries, err)
	}
}
