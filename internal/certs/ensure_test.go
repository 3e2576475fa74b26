package certs

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEnsureFreshLab(t *testing.T) {
	opts := newLab(t, "smiley", "face")
	got := mustEnsure(t, opts)
	c0, c1 := opts.Clusters[0].Dir, opts.Clusters[1].Dir
	want := []Action{
		{Kind: "create-anchor", Files: []string{filepath.Join(opts.TrustDir, "root.crt"), filepath.Join(opts.TrustDir, "root.key")}, Reason: "no trust anchor yet"},
		{Kind: "create-issuer", Cluster: "smiley", Files: []string{filepath.Join(c0, "issuer.crt"), filepath.Join(c0, "issuer.key")}, Reason: "no issuer yet"},
		{Kind: "create-issuer", Cluster: "face", Files: []string{filepath.Join(c1, "issuer.crt"), filepath.Join(c1, "issuer.key")}, Reason: "no issuer yet"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("actions:\n got %+v\nwant %+v", got, want)
	}
	for _, c := range opts.Clusters {
		anchorPEM, crt, key, err := LoadIssuer(opts.TrustDir, c.Dir)
		if err != nil {
			t.Fatalf("LoadIssuer(%s): %v", c.Name, err)
		}
		if err := VerifyIssuer(anchorPEM, crt, key, t0); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

// TestEnsureKeepsAndRemakes covers what a second run does, by option.
func TestEnsureKeepsAndRemakes(t *testing.T) {
	tests := []struct {
		name          string
		force, anchor bool
		wantKinds     []string
		wantReason    string // of the issuers
		anchorChanges bool
	}{
		{"again keeps everything", false, false, []string{"keep-anchor", "keep-issuer", "keep-issuer"}, "valid until 2027-03-01", false},
		{"force remakes issuers only", true, false, []string{"keep-anchor", "replace-issuer", "replace-issuer"}, "--force", false},
		{"new anchor remakes everything", false, true, []string{"create-anchor", "replace-issuer", "replace-issuer"}, "new anchor", true},
		{"new anchor with force", true, true, []string{"create-anchor", "replace-issuer", "replace-issuer"}, "new anchor", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := newLab(t, "smiley", "face")
			mustEnsure(t, opts)
			before := snapshot(t, labRoot(opts))
			opts.Force, opts.NewAnchor = tt.force, tt.anchor
			got := mustEnsure(t, opts)

			if k := kinds(got); !reflect.DeepEqual(k, tt.wantKinds) {
				t.Fatalf("kinds = %v, want %v", k, tt.wantKinds)
			}
			for _, a := range got[1:] {
				if a.Reason != tt.wantReason {
					t.Errorf("%s reason = %q, want %q", a.Cluster, a.Reason, tt.wantReason)
				}
			}
			after := snapshot(t, labRoot(opts))
			if len(after) != len(before) {
				t.Errorf("files: %d before, %d after (temp files left?)", len(before), len(after))
			}
			for _, rel := range []string{"certs/root.crt", "certs/root.key"} {
				if changed := before[rel] != after[rel]; changed != tt.anchorChanges {
					t.Errorf("%s changed = %v, want %v", rel, changed, tt.anchorChanges)
				}
			}
			issuersChange := tt.force || tt.anchor
			for _, rel := range []string{"clusters/smiley/issuer.crt", "clusters/smiley/issuer.key", "clusters/face/issuer.key"} {
				if changed := before[rel] != after[rel]; changed != issuersChange {
					t.Errorf("%s changed = %v, want %v", rel, changed, issuersChange)
				}
			}
			if !issuersChange && !tt.anchorChanges {
				assertUnchanged(t, before, after)
			}
			for _, c := range opts.Clusters {
				if _, _, _, err := LoadIssuer(opts.TrustDir, c.Dir); err != nil {
					t.Errorf("after the run: %v", err)
				}
			}
		})
	}
}

func TestEnsureAddsMissingIssuerOnly(t *testing.T) {
	opts := newLab(t, "smiley", "face")
	mustEnsure(t, opts)
	if err := os.RemoveAll(opts.Clusters[1].Dir); err != nil {
		t.Fatal(err)
	}
	smileyBefore := readFile(t, filepath.Join(opts.Clusters[0].Dir, "issuer.crt"))
	got := mustEnsure(t, opts)
	if k := kinds(got); !reflect.DeepEqual(k, []string{"keep-anchor", "keep-issuer", "create-issuer"}) {
		t.Errorf("kinds = %v", k)
	}
	if !bytes.Equal(smileyBefore, readFile(t, filepath.Join(opts.Clusters[0].Dir, "issuer.crt"))) {
		t.Error("an existing issuer was rewritten")
	}
	if _, _, _, err := LoadIssuer(opts.TrustDir, opts.Clusters[1].Dir); err != nil {
		t.Errorf("new issuer: %v", err)
	}
}

// TestEnsureRenewsIssuersOnTime: an issuer of the current anchor that is
// expired or near expiry is replaced without --force, since nothing is lost.
func TestEnsureRenewsIssuersOnTime(t *testing.T) {
	tests := []struct {
		name       string
		now        time.Time
		wantKind   string
		wantReason string
	}{
		{"61 days left", t0.Add(IssuerValidity - 61*24*time.Hour), "keep-issuer", "valid until 2027-03-01"},
		{"30 days left", t0.Add(IssuerValidity - 30*24*time.Hour), "replace-issuer", "expires in 30 days"},
		{"expired", t0.Add(IssuerValidity + time.Hour), "replace-issuer", "expired on 2027-03-01T12:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := newLab(t, "smiley")
			mustEnsure(t, opts)
			anchorBefore := readFile(t, filepath.Join(opts.TrustDir, "root.crt"))
			opts.Now = at(tt.now)
			got := mustEnsure(t, opts)
			if got[0].Kind != "keep-anchor" || got[1].Kind != tt.wantKind || got[1].Reason != tt.wantReason {
				t.Fatalf("actions = %+v, want keep-anchor and %s %q", got, tt.wantKind, tt.wantReason)
			}
			if !bytes.Equal(anchorBefore, readFile(t, filepath.Join(opts.TrustDir, "root.crt"))) {
				t.Error("anchor was rewritten")
			}
			crt := readCert(t, filepath.Join(opts.Clusters[0].Dir, "issuer.crt"))
			wantNotAfter := t0.Add(IssuerValidity)
			if tt.wantKind == "replace-issuer" {
				wantNotAfter = tt.now.Add(IssuerValidity)
			}
			if !crt.NotAfter.Equal(wantNotAfter) {
				t.Errorf("issuer NotAfter = %v, want %v", crt.NotAfter, wantNotAfter)
			}
		})
	}
}

func TestEnsureWarnsOfExpiringAnchor(t *testing.T) {
	opts := newLab(t, "smiley")
	mustEnsure(t, opts)
	opts.Now = at(t0.Add(AnchorValidity - 10*24*time.Hour))
	got := mustEnsure(t, opts)
	if got[0].Kind != "keep-anchor" || got[0].Reason != "expires in 10 days; make a new anchor before then" {
		t.Errorf("anchor action = %+v", got[0])
	}
}

func TestEnsureRefusesExpiredAnchor(t *testing.T) {
	opts := newLab(t, "smiley")
	mustEnsure(t, opts)
	before := snapshot(t, labRoot(opts))
	opts.Now = at(t0.Add(AnchorValidity + time.Hour))
	_, err := Ensure(opts)
	crtPath := filepath.Join(opts.TrustDir, "root.crt")
	if err == nil || !strings.Contains(err.Error(), crtPath+" expired on") || !strings.Contains(err.Error(), "certs --new-anchor") {
		t.Errorf("err = %v, want the anchor's expiry and what to do", err)
	}
	assertUnchanged(t, before, snapshot(t, labRoot(opts)))
}

// TestEnsureRefusesForeignIssuer: an issuer that does not chain to the
// anchor may be the user's own; it is replaced only with --force.
func TestEnsureRefusesForeignIssuer(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
	}{
		{"valid", t0},
		{"expired too", t0.Add(IssuerValidity + time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := newLab(t, "smiley", "face")
			mustEnsure(t, opts)
			other := newLab(t, "smiley")
			mustEnsure(t, other)
			dir := opts.Clusters[0].Dir
			copyFile(t, filepath.Join(other.Clusters[0].Dir, "issuer.crt"), filepath.Join(dir, "issuer.crt"))
			copyFile(t, filepath.Join(other.Clusters[0].Dir, "issuer.key"), filepath.Join(dir, "issuer.key"))
			opts.Now = at(tt.now)
			anchorPath := filepath.Join(opts.TrustDir, "root.crt")

			infos, err := Inspect(opts)
			if err != nil {
				t.Fatal(err)
			}
			if infos[1].Valid || !strings.Contains(infos[1].Problem, "not signed by the trust anchor "+anchorPath) {
				t.Errorf("Inspect = %+v, want invalid, not signed by the anchor", infos[1])
			}

			before := snapshot(t, labRoot(opts))
			_, err = Ensure(opts)
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "issuer.crt")) || !strings.Contains(err.Error(), "certs --force") {
				t.Fatalf("err = %v, want the file named and --force suggested", err)
			}
			assertUnchanged(t, before, snapshot(t, labRoot(opts)))

			opts.Force = true
			mustEnsure(t, opts)
			opts.Force = false
			if got := kinds(mustEnsure(t, opts)); got[1] != "keep-issuer" {
				t.Errorf("after --force: %v", got)
			}
		})
	}
}

func TestEnsureRefusesBrokenPairs(t *testing.T) {
	tests := []struct {
		name      string
		damage    func(t *testing.T, opts Options)
		want      string // in the error, with <dir> and <certs> for the paths
		forceFix  bool   // whether --force repairs it
		wantForce bool   // whether the error suggests --force
	}{
		{"issuer key missing", func(t *testing.T, o Options) { remove(t, o.Clusters[0].Dir, "issuer.key") },
			"<dir>/issuer.key is missing but <dir>/issuer.crt exists", true, true},
		{"issuer cert missing", func(t *testing.T, o Options) { remove(t, o.Clusters[0].Dir, "issuer.crt") },
			"<dir>/issuer.crt is missing but <dir>/issuer.key exists", true, true},
		{"issuer key of another cluster", func(t *testing.T, o Options) {
			copyFile(t, filepath.Join(o.Clusters[1].Dir, "issuer.key"), filepath.Join(o.Clusters[0].Dir, "issuer.key"))
		}, "<dir>/issuer.key does not match <dir>/issuer.crt", true, true},
		{"issuer key in PKCS#8", func(t *testing.T, o Options) {
			write(t, filepath.Join(o.Clusters[0].Dir, "issuer.key"), pkcs8(t, readFile(t, filepath.Join(o.Clusters[0].Dir, "issuer.key"))))
		}, `<dir>/issuer.key: Linkerd needs an unencrypted "EC PRIVATE KEY" PEM block first, found "PRIVATE KEY"`, true, true},
		{"issuer cert garbage", func(t *testing.T, o Options) {
			write(t, filepath.Join(o.Clusters[0].Dir, "issuer.crt"), []byte("junk"))
		},
			"<dir>/issuer.crt: no PEM certificate found", true, true},
		{"anchor key missing", func(t *testing.T, o Options) { remove(t, o.TrustDir, "root.key") },
			"<certs>/root.key is missing but <certs>/root.crt exists", false, false},
		{"anchor key of an issuer", func(t *testing.T, o Options) {
			copyFile(t, filepath.Join(o.Clusters[0].Dir, "issuer.key"), filepath.Join(o.TrustDir, "root.key"))
		}, "<certs>/root.key does not match <certs>/root.crt", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := newLab(t, "smiley", "face")
			mustEnsure(t, opts)
			tt.damage(t, opts)
			before := snapshot(t, labRoot(opts))
			want := strings.NewReplacer("<dir>", opts.Clusters[0].Dir, "<certs>", opts.TrustDir).Replace(tt.want)

			_, err := Ensure(opts)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, want)
			}
			if got := strings.Contains(err.Error(), "--force"); got != tt.wantForce {
				t.Errorf("suggests --force = %v, want %v: %v", got, tt.wantForce, err)
			}
			assertUnchanged(t, before, snapshot(t, labRoot(opts)))

			opts.Force = true
			_, err = Ensure(opts)
			if (err == nil) != tt.forceFix {
				t.Errorf("with --force: err = %v, want fixed = %v", err, tt.forceFix)
			}
		})
	}
}

func TestEnsureReportsEveryProblemAtOnce(t *testing.T) {
	opts := newLab(t, "smiley", "face", "color")
	mustEnsure(t, opts)
	remove(t, opts.Clusters[0].Dir, "issuer.key")
	remove(t, opts.Clusters[2].Dir, "issuer.crt")
	_, err := Ensure(opts)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"cluster smiley:", filepath.Join(opts.Clusters[0].Dir, "issuer.key"), "cluster color:", filepath.Join(opts.Clusters[2].Dir, "issuer.crt")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		clusters []Cluster
		want     string
	}{
		{"no directory", []Cluster{{Name: "smiley"}}, `cluster "smiley": no directory`},
		{"shared directory", []Cluster{{"a", dir + "/x"}, {"b", dir + "/x/"}}, `clusters "a" and "b" both use`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{TrustDir: filepath.Join(dir, "certs"), Clusters: tt.clusters}
			for name, f := range map[string]func(Options) error{
				"Plan":    func(o Options) error { _, err := Plan(o); return err },
				"Ensure":  func(o Options) error { _, err := Ensure(o); return err },
				"Inspect": func(o Options) error { _, err := Inspect(o); return err },
			} {
				if err := f(opts); err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: err = %v, want %q", name, err, tt.want)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("wrote %d entries", len(entries))
			}
		})
	}
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
