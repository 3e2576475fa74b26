package helm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"

	"github.com/localcluster/localcluster/charts"
)

// chartLoader finds charts and keeps downloaded ones in cacheDir:
//
//	<cacheDir>/repo/<hash of repository URL>/<name>-<version>.tgz
//	<cacheDir>/oci/<hash of oci reference>/<name>-<version>.tgz
//
// Files are written under a temporary name and renamed, so loaders in
// other goroutines or processes see whole archives or none.
type chartLoader struct {
	cacheDir  string
	transport *http.Transport // nil = Helm's default
}

// load returns the chart, downloading it if need be.
func (l *chartLoader) load(c Chart) (*chart.Chart, error) {
	var (
		ch  *chart.Chart
		err error
	)
	switch c.kind() {
	case sourceEmbedded:
		ch, err = charts.Load(c.Name)
	case sourceRepo:
		ch, err = l.fromRepo(c)
	case sourceOCI:
		ch, err = l.fromOCI(c)
	default:
		ch, err = loader.Load(c.localPath())
	}
	if err != nil {
		return nil, fmt.Errorf("cannot fetch chart %s: %w", c, err)
	}
	if err := checkChart(c, ch); err != nil {
		return nil, fmt.Errorf("chart %s: %w", c, err)
	}
	return ch, nil
}

// checkChart catches a chart that is not the one asked for, or that lacks
// its subcharts (a local chart whose `helm dependency build` was never run).
func checkChart(c Chart, ch *chart.Chart) error {
	if c.kind() != sourceLocal && ch.Metadata.Name != c.Name {
		return fmt.Errorf("the chart found is named %q", ch.Metadata.Name)
	}
	if exactVersion(c.Version) && ch.Metadata.Version != c.Version {
		return fmt.Errorf("the chart found has version %s", ch.Metadata.Version)
	}
	if deps := ch.Metadata.Dependencies; len(deps) > 0 {
		if err := action.CheckDependencies(ch, deps); err != nil {
			return fmt.Errorf("%w (run `helm dependency build` in the chart directory)", err)
		}
	}
	return nil
}

// exactVersion tells a plain X.Y.Z[-pre][+build] version from "" or a range.
func exactVersion(v string) bool {
	_, err := semver.StrictNewVersion(v)
	return err == nil
}

func (l *chartLoader) getters() getter.Providers {
	if l.transport == nil {
		return getter.Getters()
	}
	return getter.Getters(getter.WithTransport(l.transport))
}

func (l *chartLoader) fromRepo(c Chart) (*chart.Chart, error) {
	dir := l.cachePath("repo", c.Repo)
	if ch := loadCached(dir, c.Name, c.Version); ch != nil {
		return ch, nil
	}
	g, err := l.getters().ByScheme(mustScheme(c.Repo))
	if err != nil {
		return nil, err
	}
	index, err := l.fetchIndex(g, c.Repo)
	if err != nil {
		return nil, err
	}
	cv, err := index.Get(c.Name, c.Version)
	if err != nil {
		if c.Version == "" {
			return nil, fmt.Errorf("the repository has no chart %s", c.Name)
		}
		return nil, fmt.Errorf("the repository has no version %s of chart %s", c.Version, c.Name)
	}
	if len(cv.URLs) == 0 {
		return nil, fmt.Errorf("the repository index lists no download URL for %s %s", cv.Name, cv.Version)
	}
	chartURL, err := repo.ResolveReferenceURL(c.Repo, cv.URLs[0])
	if err != nil {
		return nil, fmt.Errorf("chart URL %q: %w", cv.URLs[0], err)
	}
	data, err := g.Get(chartURL, getter.WithURL(c.Repo),
		getter.WithAcceptHeader("application/gzip,application/octet-stream"))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", chartURL, err)
	}
	return loadAndCache(dir, data.Bytes(), chartURL)
}

// fetchIndex downloads and parses a repository's index.yaml. Helm parses
// index files only from disk, so it goes through a private temp file.
func (l *chartLoader) fetchIndex(g getter.Getter, repoURL string) (*repo.IndexFile, error) {
	indexURL, err := repo.ResolveReferenceURL(repoURL, "index.yaml")
	if err != nil {
		return nil, fmt.Errorf("repository URL: %w", err)
	}
	data, err := g.Get(indexURL, getter.WithURL(repoURL))
	if err != nil {
		return nil, fmt.Errorf("read the repository index: %w", err)
	}
	if err := os.MkdirAll(l.cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("chart cache: %w", err)
	}
	tmp, err := os.CreateTemp(l.cacheDir, "index-*.yaml")
	if err != nil {
		return nil, fmt.Errorf("chart cache: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	_, err = tmp.Write(data.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("chart cache: %w", err)
	}
	index, err := repo.LoadIndexFile(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("index of %s: %w", repoURL, err)
	}
	return index, nil
}

func (l *chartLoader) fromOCI(c Chart) (*chart.Chart, error) {
	ref := c.ociRef()
	dir := l.cachePath("oci", ref)
	if ch := loadCached(dir, path0(ref), c.Version); ch != nil {
		return ch, nil
	}
	opts := []registry.ClientOption{registry.ClientOptEnableCache(true)}
	if l.transport != nil {
		opts = append(opts, registry.ClientOptHTTPClient(&http.Client{Transport: l.transport}))
	}
	client, err := registry.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("registry client: %w", err)
	}
	u, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("reference %q: %w", ref, err)
	}
	// Resolves "" to the highest tag and a range to the best match.
	u, err = client.ValidateReference(ref, c.Version, u)
	if err != nil {
		return nil, err
	}
	pulled := strings.TrimPrefix(u.String(), registry.OCIScheme+"://")
	res, err := client.Pull(pulled)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", pulled, err)
	}
	return loadAndCache(dir, res.Chart.Data, u.String())
}

// path0 is the last path element of an oci:// reference: the chart name.
func path0(ref string) string { return filepath.Base(strings.TrimPrefix(ref, "oci://")) }

func mustScheme(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Scheme
}

func (l *chartLoader) cachePath(kind, source string) string {
	sum := sha256.Sum256([]byte(source))
	return filepath.Join(l.cacheDir, kind, hex.EncodeToString(sum[:8]))
}

// loadCached returns the cached archive of an exact version, or nil. A
// broken file is ignored (and later replaced).
func loadCached(dir, name, version string) *chart.Chart {
	if !exactVersion(version) {
		return nil
	}
	ch, err := loader.Load(filepath.Join(dir, name+"-"+version+".tgz"))
	if err != nil {
		return nil
	}
	return ch
}

// loadAndCache parses a downloaded archive and keeps it for next time; a
// cache that cannot be written only costs a download.
func loadAndCache(dir string, data []byte, from string) (*chart.Chart, error) {
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not a chart archive: %w", from, err)
	}
	name := ch.Metadata.Name + "-" + ch.Metadata.Version + ".tgz"
	_ = writeAtomic(filepath.Join(dir, name), data)
	return ch, nil
}

func writeAtomic(file string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		return errors.Join(err, os.Remove(tmp.Name()))
	}
	return nil
}
