package helm

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/localcluster/localcluster/internal/shell"
)

// maxHistory is helm's default for --history-max.
const maxHistory = 10

// Ensure installs the release if absent, upgrades it if its chart (name,
// version, templates and files) or its values differ from the deployed
// revision's, and does nothing if they are the same.
//
// A release whose last revision failed is upgraded (helm does the same);
// one in a pending state, which means another helm is at work on it or one
// was interrupted, is an error that says how to clear it.
func (c *Client) Ensure(ctx context.Context, r Release) (Outcome, error) {
	out, err := c.ensureRelease(ctx, r)
	var down *APIDownError
	if err != nil && ctx.Err() == nil && !errors.As(err, &down) {
		// Any request may be the one that meets a vanished API server
		// (the history lookup before an install, too), not only the install.
		if d := c.apiDown(); d != nil {
			return out, d
		}
	}
	return out, err
}

func (c *Client) ensureRelease(ctx context.Context, r Release) (Outcome, error) {
	if err := r.validate(); err != nil {
		return Outcome{}, err
	}
	ch, err := c.charts.load(r.Chart)
	if err != nil {
		return Outcome{}, err
	}
	vals, err := normalizeValues(r.Values)
	if err != nil {
		return Outcome{}, fmt.Errorf("release %s: %w", r.Name, err)
	}
	cfg, err := c.actionConfig(r.Namespace)
	if err != nil {
		return Outcome{}, err
	}
	last, err := lastRevision(cfg, r.Name)
	if err != nil {
		return Outcome{}, fmt.Errorf("release %s in namespace %s: %w", r.Name, r.Namespace, err)
	}

	recovered := ""
	if last != nil && last.Info.Status.IsPending() && c.recoverPending {
		recovered = string(last.Info.Status)
		if err := markInterrupted(cfg, last); err != nil {
			return Outcome{}, fmt.Errorf("release %s in namespace %s was left %s by an interrupted run: %w", r.Name, r.Namespace, recovered, err)
		}
	}
	out, err := c.ensure(ctx, cfg, r, ch, vals, last)
	out.Recovered = recovered
	return out, err
}

func (c *Client) ensure(ctx context.Context, cfg *action.Configuration, r Release, ch *chart.Chart, vals map[string]any, last *release.Release) (Outcome, error) {
	switch {
	case last == nil || last.Info.Status == release.StatusUninstalled:
		rel, err := c.install(ctx, cfg, r, ch, vals, last != nil)
		if err != nil {
			return Outcome{}, c.explain(ctx, r, "install", err)
		}
		return Outcome{Action: Installed, Revision: rel.Version}, nil
	case last.Info.Status.IsPending() || last.Info.Status == release.StatusUninstalling:
		return Outcome{}, pendingError(c.kubeContext, r, last)
	case last.Info.Status == release.StatusDeployed:
		same, err := sameRelease(last, ch, vals)
		if err != nil {
			return Outcome{}, fmt.Errorf("release %s in namespace %s: %w", r.Name, r.Namespace, err)
		}
		if same {
			return Outcome{Action: Unchanged, Revision: last.Version}, nil
		}
	}
	rel, err := c.upgrade(ctx, cfg, r, ch, vals)
	if err != nil {
		return Outcome{}, c.explain(ctx, r, "upgrade", err)
	}
	return Outcome{Action: Upgraded, Revision: rel.Version}, nil
}

func (c *Client) install(ctx context.Context, cfg *action.Configuration, r Release, ch *chart.Chart, vals map[string]any, replace bool) (*release.Release, error) {
	in := action.NewInstall(cfg)
	in.ReleaseName = r.Name
	in.Namespace = r.Namespace
	in.CreateNamespace = r.CreateNamespace
	in.Wait = r.Wait
	in.Timeout = r.timeout()
	in.Replace = replace // reuse the name of a release uninstalled with --keep-history
	return in.RunWithContext(ctx, ch, vals)
}

func (c *Client) upgrade(ctx context.Context, cfg *action.Configuration, r Release, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	up := action.NewUpgrade(cfg)
	up.Namespace = r.Namespace
	up.Wait = r.Wait
	up.Timeout = r.timeout()
	up.MaxHistory = maxHistory
	// Helm keeps the old values when given none; Ensure means "exactly these".
	up.ResetValues = true
	return up.RunWithContext(ctx, r.Name, ch, vals)
}

// lastRevision returns the newest revision of a release, or nil if there is
// none.
func lastRevision(cfg *action.Configuration, name string) (*release.Release, error) {
	rel, err := cfg.Releases.Last(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	return rel, err
}

// sameRelease tells whether deploying ch with vals would change nothing.
func sameRelease(deployed *release.Release, ch *chart.Chart, vals map[string]any) (bool, error) {
	if deployed.Chart == nil || deployed.Chart.Metadata == nil {
		return false, nil
	}
	if deployed.Chart.Metadata.Name != ch.Metadata.Name ||
		deployed.Chart.Metadata.Version != ch.Metadata.Version ||
		chartDigest(deployed.Chart) != chartDigest(ch) {
		return false, nil
	}
	return sameValues(deployed.Config, vals)
}

// chartDigest fingerprints a chart's templates and files, so a local chart
// edited without a version bump is upgraded too. Default values are left
// out: Helm stores them merged with the user's when a chart has subcharts.
func chartDigest(ch *chart.Chart) string {
	files := make([]*chart.File, 0, len(ch.Templates)+len(ch.Files))
	files = append(files, ch.Templates...)
	files = append(files, ch.Files...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Data))
		h.Write(f.Data)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// markInterrupted records that the pending revision last will never
// finish: it becomes failed, which helm's upgrade starts from (the
// previous deployed revision, or this one when there is none).
func markInterrupted(cfg *action.Configuration, last *release.Release) error {
	was := last.Info.Status
	last.SetStatus(release.StatusFailed, fmt.Sprintf("%s interrupted: the process was stopped before it finished; marked failed by localcluster", was))
	return cfg.Releases.Update(last)
}

func pendingError(kubeContext string, r Release, last *release.Release) error {
	target := shell.Quote(r.Name)
	if kubeContext != "" {
		target += " --kube-context " + shell.Quote(kubeContext)
	}
	target += " --namespace " + shell.Quote(r.Namespace)
	fix := fmt.Sprintf("roll it back with `helm rollback %s`", target)
	if last.Info.Status == release.StatusPendingInstall || last.Info.Status == release.StatusUninstalling {
		fix = fmt.Sprintf("remove it with `helm uninstall %s`", target)
	}
	return fmt.Errorf("release %s in namespace %s is %s (revision %d): another helm operation is running on it, "+
		"or one was interrupted; if none is running, %s and try again",
		r.Name, r.Namespace, last.Info.Status, last.Version, fix)
}

// Uninstall removes a release and the objects it made (CRDs from a chart's
// crds/ directory stay, as with helm). An absent release is no error; the
// bool says whether there was one.
func (c *Client) Uninstall(_ context.Context, name, namespace string) (bool, error) {
	cfg, err := c.actionConfig(namespace)
	if err != nil {
		return false, err
	}
	last, err := lastRevision(cfg, name)
	if err != nil {
		return false, fmt.Errorf("release %s in namespace %s: %w", name, namespace, err)
	}
	if last == nil {
		return false, nil
	}
	un := action.NewUninstall(cfg)
	un.Timeout = DefaultTimeout
	un.IgnoreNotFound = true
	if _, err := un.Run(name); err != nil {
		return false, fmt.Errorf("uninstall release %s in namespace %s: %w", name, namespace, err)
	}
	// A release uninstalled with --keep-history was only purged of its records.
	return last.Info.Status != release.StatusUninstalled, nil
}

// DeployedValues returns the values supplied to the newest revision of a
// release (what `helm get values` shows), even if that revision failed, so
// that a retry keeps what the failed attempt meant to add. It is nil, nil
// when there is no such release.
func (c *Client) DeployedValues(_ context.Context, name, namespace string) (map[string]any, error) {
	cfg, err := c.actionConfig(namespace)
	if err != nil {
		return nil, err
	}
	last, err := lastRevision(cfg, name)
	if err != nil {
		return nil, fmt.Errorf("release %s in namespace %s: %w", name, namespace, err)
	}
	if last == nil || last.Info.Status == release.StatusUninstalled {
		return nil, nil
	}
	vals, err := normalizeValues(last.Config)
	if err != nil {
		return nil, fmt.Errorf("release %s in namespace %s: %w", name, namespace, err)
	}
	return vals, nil
}

// explain wraps an install or upgrade error; a wait that ran out of time
// becomes a WaitError listing what is not ready.
func (c *Client) explain(ctx context.Context, r Release, verb string, err error) error {
	if ctx.Err() == nil {
		if down := c.apiDown(); down != nil {
			return down
		}
	}
	if r.Wait && ctx.Err() == nil && isTimeout(err) {
		return c.waitError(r, err)
	}
	return fmt.Errorf("%s release %s in namespace %s: %w", verb, r.Name, r.Namespace, err)
}
