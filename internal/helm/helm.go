// Package helm installs, upgrades and removes Helm releases through the Helm
// SDK, one Client per cluster, and prints the helm command a person would run
// to do the same by hand (Command), which is what a dry run shows.
//
// Ensure is idempotent: a release whose chart and values are already
// deployed is left alone and reported "unchanged".
//
// Where a chart comes from is decided by Chart.Repo:
//
//   - "https://…" or "http://…": a chart repository; Name is looked up in its
//     index.yaml (like `helm … NAME --repo URL`). Nothing is read from or
//     written to Helm's own repositories.yaml.
//   - "oci://registry/path": an OCI registry. The chart reference is
//     Repo + "/" + Name, unless the last path element of Repo already is
//     Name, so "oci://ghcr.io/org/charts" and "oci://ghcr.io/org/charts/web"
//     both name the chart web when Name is "web". Registry credentials from
//     `helm registry login` or `docker login` are used when present.
//   - "embedded:": one of localcluster's own charts compiled into the binary
//     (package charts); Name picks it, e.g. "lb-pool".
//   - anything else: a local chart directory or .tgz archive. If Name is ""
//     or is the last element of Repo, Repo is the chart itself; otherwise Repo
//     is a directory holding charts and the chart is Repo/Name. With Repo "",
//     Name is the path.
//
// Downloaded charts are cached under os.UserCacheDir()/localcluster/helm, so
// a pinned version is fetched once. Clients share no mutable state: Ensure may
// run for several clusters at once.
package helm

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/chartutil"
)

// EmbeddedRepo as Chart.Repo selects a chart compiled into the binary.
const EmbeddedRepo = "embedded:"

// DefaultTimeout is helm's own default for --timeout.
const DefaultTimeout = 5 * time.Minute

// Outcome actions.
const (
	Installed = "installed"
	Upgraded  = "upgraded"
	Unchanged = "unchanged"
)

// Chart says where a chart comes from; see the package comment for the
// forms Repo takes.
type Chart struct {
	Repo    string // chart repository URL, oci:// reference, EmbeddedRepo, or local path
	Name    string // chart name, e.g. "linkerd-control-plane"
	Version string // "" = latest (avoid for reproducibility)
}

// Release is one Helm release to ensure.
type Release struct {
	Name, Namespace string
	Chart           Chart
	Values          map[string]any
	CreateNamespace bool
	Wait            bool          // wait for resources to be ready (helm --wait)
	Timeout         time.Duration // 0 = DefaultTimeout
	// SecretValues are dotted paths into Values that Command prints as
	// "<redacted>", e.g. "identity.issuer.tls.keyPEM". A key holding a dot
	// is written with the dot escaped: `podAnnotations.config\.linkerd\.io/x`.
	SecretValues []string
}

// Outcome says what Ensure did.
type Outcome struct {
	Action   string // Installed, Upgraded or Unchanged
	Revision int    // the release's revision afterwards
	// Recovered is the pending state an interrupted run had left the
	// release in, which Ensure cleared ("" when there was none).
	Recovered string
}

type sourceKind int

const (
	sourceLocal sourceKind = iota
	sourceRepo
	sourceOCI
	sourceEmbedded
)

func (c Chart) kind() sourceKind {
	switch {
	case c.Repo == EmbeddedRepo:
		return sourceEmbedded
	case strings.HasPrefix(c.Repo, "oci://"):
		return sourceOCI
	case strings.HasPrefix(c.Repo, "https://"), strings.HasPrefix(c.Repo, "http://"):
		return sourceRepo
	default:
		return sourceLocal
	}
}

// ociRef is the full oci:// reference of the chart, without a tag.
func (c Chart) ociRef() string {
	repo := strings.TrimRight(c.Repo, "/")
	if c.Name == "" || path.Base(strings.TrimPrefix(repo, "oci://")) == c.Name {
		return repo
	}
	return repo + "/" + c.Name
}

// localPath is the path of a local chart, not made absolute. A relative
// path starts with "./" or "../", as helm needs to tell it from a
// "repo/chart" reference.
func (c Chart) localPath() string {
	var p string
	switch {
	case c.Repo == "":
		p = c.Name
	case c.Name == "" || filepath.Base(filepath.Clean(c.Repo)) == c.Name:
		p = c.Repo
	default:
		p = filepath.Join(c.Repo, c.Name)
	}
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	p = filepath.Clean(p)
	if p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return p
	}
	return "./" + p
}

// String names the chart for messages: "linkerd-crds 2025.10.1 from https://…".
func (c Chart) String() string {
	var b strings.Builder
	switch c.kind() {
	case sourceLocal:
		b.WriteString(c.localPath())
	case sourceOCI:
		b.WriteString(c.ociRef())
	default:
		b.WriteString(c.Name)
	}
	if c.Version != "" {
		b.WriteString(" " + c.Version)
	}
	switch c.kind() {
	case sourceRepo:
		b.WriteString(" from " + c.Repo)
	case sourceEmbedded:
		b.WriteString(" (embedded)")
	}
	return b.String()
}

func (c Chart) validate() error {
	switch c.kind() {
	case sourceRepo, sourceEmbedded:
		if c.Name == "" {
			return fmt.Errorf("chart from %s: no chart name", c.Repo)
		}
	case sourceLocal:
		if c.localPath() == "" {
			return errors.New("chart: neither a repository nor a name")
		}
	}
	return nil
}

func (r Release) validate() error {
	var errs []error
	if err := chartutil.ValidateReleaseName(r.Name); err != nil {
		errs = append(errs, fmt.Errorf("release name %q: %w", r.Name, err))
	}
	if r.Namespace == "" {
		errs = append(errs, fmt.Errorf("release %s: no namespace", r.Name))
	}
	if err := r.Chart.validate(); err != nil {
		errs = append(errs, fmt.Errorf("release %s: %w", r.Name, err))
	}
	if r.Timeout < 0 {
		errs = append(errs, fmt.Errorf("release %s: negative timeout %s", r.Name, r.Timeout))
	}
	return errors.Join(errs...)
}

func (r Release) timeout() time.Duration {
	if r.Timeout == 0 {
		return DefaultTimeout
	}
	return r.Timeout
}
