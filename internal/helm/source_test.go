package helm

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"

	"github.com/localcluster/localcluster/charts"
)

// packageChart packages a test chart into dir and returns the archive.
func packageChart(t *testing.T, name, dir string) string {
	t.Helper()
	ch, err := loader.Load(filepath.Join("testdata", "charts", name))
	if err != nil {
		t.Fatal(err)
	}
	archive, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatal(err)
	}
	return archive
}

// chartRepo serves test charts as a chart repository over HTTPS: an
// index.yaml and .tgz files, which is all a chart repository is. It counts
// the requests it answers.
type chartRepo struct {
	*httptest.Server
	requests atomic.Int64
}

func newChartRepo(t *testing.T, names ...string) *chartRepo {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		packageChart(t, name, dir)
	}
	cr := &chartRepo{}
	files := http.FileServer(http.Dir(dir))
	cr.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cr.requests.Add(1)
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(cr.Close)
	index, err := repo.IndexDirectory(dir, cr.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := index.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cr
}

func (cr *chartRepo) transport() *http.Transport {
	return cr.Client().Transport.(*http.Transport)
}

func TestLoadFromRepository(t *testing.T) {
	cr := newChartRepo(t, "greeter", "widgets")
	l := &chartLoader{cacheDir: t.TempDir(), transport: cr.transport()}

	ch, err := l.load(Chart{Repo: cr.URL, Name: "greeter", Version: "0.2.0"})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if ch.Metadata.Name != "greeter" || ch.Metadata.Version != "0.2.0" {
		t.Errorf("loaded %s %s, want greeter 0.2.0", ch.Metadata.Name, ch.Metadata.Version)
	}
	if n := cr.requests.Load(); n != 2 {
		t.Errorf("first load made %d requests, want 2 (index and archive)", n)
	}

	// A pinned version comes from the cache the second time.
	cr.requests.Store(0)
	if _, err := l.load(Chart{Repo: cr.URL, Name: "greeter", Version: "0.2.0"}); err != nil {
		t.Fatalf("second load: %v", err)
	}
	if n := cr.requests.Load(); n != 0 {
		t.Errorf("second load of a pinned version made %d requests, want 0", n)
	}

	// Latest is always looked up.
	if ch, err := l.load(Chart{Repo: cr.URL, Name: "widgets"}); err != nil || ch.Metadata.Version != "0.1.0" {
		t.Errorf("load latest widgets = %v, %v", ch, err)
	}
}

func TestLoadErrors(t *testing.T) {
	cr := newChartRepo(t, "greeter")
	l := &chartLoader{cacheDir: t.TempDir(), transport: cr.transport()}
	tests := []struct {
		name  string
		chart Chart
		want  []string
	}{
		{"missing version", Chart{Repo: cr.URL, Name: "greeter", Version: "9.9.9"}, []string{
			"cannot fetch chart greeter 9.9.9 from " + cr.URL + ": the repository has no version 9.9.9 of chart greeter",
		}},
		{"missing chart", Chart{Repo: cr.URL, Name: "nope"}, []string{
			"cannot fetch chart nope from " + cr.URL + ": the repository has no chart nope",
		}},
		{"not a repository", Chart{Repo: cr.URL + "/nowhere", Name: "greeter", Version: "0.2.0"}, []string{
			"cannot fetch chart greeter 0.2.0 from " + cr.URL + "/nowhere: read the repository index:", "404",
		}},
		{"missing local chart", Chart{Repo: "testdata/charts", Name: "absent"}, []string{
			"cannot fetch chart ./testdata/charts/absent:", "no such file",
		}},
		{"local version mismatch", Chart{Repo: "testdata/charts", Name: "greeter", Version: "1.0.0"}, []string{
			"chart ./testdata/charts/greeter 1.0.0: the chart found has version 0.2.0",
		}},
		{"unknown embedded chart", Chart{Repo: EmbeddedRepo, Name: "nope"}, []string{
			`cannot fetch chart nope (embedded): no embedded chart "nope"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.load(tt.chart)
			if err == nil {
				t.Fatal("load succeeded")
			}
			t.Log(err)
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not contain %q", err, want)
				}
			}
		})
	}
}

func TestLoadLocalAndEmbedded(t *testing.T) {
	l := &chartLoader{cacheDir: t.TempDir()}
	archive := packageChart(t, "widgets", t.TempDir())
	tests := []struct {
		chart Chart
		want  string
	}{
		{Chart{Repo: "testdata/charts", Name: "greeter"}, "greeter"},
		{Chart{Repo: "testdata/charts/greeter", Name: "greeter"}, "greeter"},
		{Chart{Repo: "testdata/charts/greeter"}, "greeter"},
		{Chart{Name: "testdata/charts/stuck"}, "stuck"},
		{Chart{Name: archive, Version: "0.1.0"}, "widgets"},
		{Chart{Repo: EmbeddedRepo, Name: charts.LBPool}, charts.LBPool},
	}
	for _, tt := range tests {
		t.Run(tt.chart.String(), func(t *testing.T) {
			ch, err := l.load(tt.chart)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Metadata.Name != tt.want {
				t.Errorf("loaded chart %s, want %s", ch.Metadata.Name, tt.want)
			}
		})
	}
}

// testRegistry is a minimal OCI distribution server holding one chart. No
// registry can run on this machine, so this stands in for one; it answers
// exactly the requests Helm's registry client makes to pull.
type testRegistry struct {
	repository string
	manifests  map[string][]byte // by tag and by digest
	blobs      map[string][]byte // by digest
	tags       []string
}

func digestOf(data []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(data)) }

func newTestRegistry(t *testing.T, repository, chartName string) *httptest.Server {
	t.Helper()
	data, err := os.ReadFile(packageChart(t, chartName, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := loader.LoadArchive(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	config, err := json.Marshal(ch.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": registry.ConfigMediaType, "digest": digestOf(config), "size": len(config)},
		"layers": []any{
			map[string]any{"mediaType": registry.ChartLayerMediaType, "digest": digestOf(data), "size": len(data)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := &testRegistry{
		repository: repository,
		manifests:  map[string][]byte{ch.Metadata.Version: manifest, digestOf(manifest): manifest},
		blobs:      map[string][]byte{digestOf(config): config, digestOf(data): data},
		tags:       []string{ch.Metadata.Version},
	}
	srv := httptest.NewTLSServer(reg)
	t.Cleanup(srv.Close)
	return srv
}

func (reg *testRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := "/v2/" + reg.repository + "/"
	rest, inRepo := strings.CutPrefix(r.URL.Path, prefix)
	switch {
	case r.URL.Path == "/v2/":
		w.WriteHeader(http.StatusOK)
	case inRepo && rest == "tags/list":
		_ = json.NewEncoder(w).Encode(map[string]any{"name": reg.repository, "tags": reg.tags})
	case inRepo && strings.HasPrefix(rest, "manifests/"):
		reg.serve(w, r, reg.manifests[strings.TrimPrefix(rest, "manifests/")], "application/vnd.oci.image.manifest.v1+json")
	case inRepo && strings.HasPrefix(rest, "blobs/"):
		reg.serve(w, r, reg.blobs[strings.TrimPrefix(rest, "blobs/")], "application/octet-stream")
	default:
		http.NotFound(w, r)
	}
}

func (reg *testRegistry) serve(w http.ResponseWriter, r *http.Request, data []byte, mediaType string) {
	if data == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Docker-Content-Digest", digestOf(data))
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(data)
}

func TestLoadFromOCI(t *testing.T) {
	srv := newTestRegistry(t, "charts/greeter", "greeter")
	host := strings.TrimPrefix(srv.URL, "https://")
	l := &chartLoader{cacheDir: t.TempDir(), transport: srv.Client().Transport.(*http.Transport)}
	for _, c := range []Chart{
		{Repo: "oci://" + host + "/charts", Name: "greeter", Version: "0.2.0"},
		{Repo: "oci://" + host + "/charts/greeter", Name: "greeter"}, // newest tag
	} {
		t.Run(c.String(), func(t *testing.T) {
			ch, err := l.load(c)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Metadata.Name != "greeter" || ch.Metadata.Version != "0.2.0" {
				t.Errorf("pulled %s %s, want greeter 0.2.0", ch.Metadata.Name, ch.Metadata.Version)
			}
		})
	}
	_, err := l.load(Chart{Repo: "oci://" + host + "/charts", Name: "greeter", Version: "0.3.0"})
	if err == nil || !strings.Contains(err.Error(), "cannot fetch chart oci://"+host+"/charts/greeter 0.3.0") {
		t.Errorf("pulling a missing tag: error %v", err)
	}
}
