package demos

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localcluster/localcluster/internal/testenv"
)

// The checker every test shares: one localcluster binary, one API server
// with the labs' CRDs. Nil under -short, where only the reading is tested.
var (
	shared    *Checker
	sharedErr error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code, cleanup := setup(m)
	cleanup()
	os.Exit(code)
}

func setup(m *testing.M) (int, func()) {
	if testing.Short() {
		return m.Run(), func() {}
	}
	tmp, err := os.MkdirTemp("", "localcluster-demos-")
	if err != nil {
		sharedErr = err
		return m.Run(), func() {}
	}
	var stop func()
	cleanup := func() {
		if stop != nil {
			stop()
		}
		_ = os.RemoveAll(tmp)
	}
	shared, stop, sharedErr = newChecker(tmp)
	return m.Run(), cleanup
}

func newChecker(tmp string) (*Checker, func(), error) {
	bin := filepath.Join(tmp, "localcluster")
	if out, err := exec.Command("go", "build", "-o", bin, "../../localcluster").CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	home := filepath.Join(tmp, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	crds, err := GatewayAPICRDs(ctx)
	if err != nil {
		return nil, nil, err
	}
	linkerd, err := ChartCRDs("../mesh/testdata/charts", "linkerd-crds", "linkerd-multicluster")
	if err != nil {
		return nil, nil, err
	}
	servers, stop, err := testenv.StartShared("demos")
	if err != nil {
		return nil, nil, err
	}
	kube, err := NewKube(ctx, servers[0].RESTConfig, append(crds, linkerd...))
	if err != nil {
		stop()
		return nil, nil, err
	}
	return &Checker{Lab: &Lab{Binary: bin, Home: home}, Kube: kube}, stop, nil
}

func checker(t *testing.T) *Checker {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the localcluster binary and a kube-apiserver (not with -short)")
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// TestWorkshops checks every workshop shipped under demos/.
func TestWorkshops(t *testing.T) {
	c := checker(t)
	dirs, err := Workshops("../../demos")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 3 {
		t.Fatalf("%d workshops under demos/, want at least 3: %v", len(dirs), dirs)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			for _, p := range c.CheckDir(t.Context(), dir) {
				if p.Pending {
					t.Logf("pending: %s: %s", filepath.Base(dir), p)
					continue
				}
				t.Errorf("%s: %s", filepath.Base(dir), p)
			}
		})
	}
}

// TestCases runs the harness on small workshops that are each broken in
// one way (testdata/cases/*/want.txt says how the harness must report it),
// and on one that is not broken at all.
func TestCases(t *testing.T) {
	c := checker(t)
	dirs, err := filepath.Glob("testdata/cases/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(dir, "want.txt"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			w, err := Read(dir, ReadmeFile)
			if err != nil {
				got = append(got, err.Error())
			} else {
				for _, p := range c.Check(t.Context(), w) {
					got = append(got, p.String())
				}
			}
			wantText := strings.TrimSpace(string(want))
			if wantText == "" {
				if len(got) > 0 {
					t.Errorf("problems in a good workshop:\n%s", strings.Join(got, "\n"))
				}
				return
			}
			for _, g := range got {
				if strings.Contains(g, wantText) {
					return
				}
			}
			t.Errorf("no problem mentions %q; got:\n%s", wantText, strings.Join(got, "\n"))
		})
	}
}
