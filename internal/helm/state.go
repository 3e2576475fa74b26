package helm

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/release"
)

// State is what Helm's storage in the cluster says about the newest
// revision of a release: what `helm status` shows.
type State struct {
	Status   string // deployed, failed, pending-upgrade, ...; "" when there is no such release
	Revision int
	Chart    string // chart name and version
	Manifest string // the rendered objects, as applied
}

// Exists tells whether there is a release that is not uninstalled.
func (s State) Exists() bool {
	return s.Status != "" && s.Status != string(release.StatusUninstalled)
}

// Deployed tells whether the newest revision is deployed.
func (s State) Deployed() bool { return s.Status == string(release.StatusDeployed) }

// State reads the newest revision of a release. A release that does not
// exist gives a zero State and no error.
func (c *Client) State(_ context.Context, name, namespace string) (State, error) {
	cfg, err := c.actionConfig(namespace)
	if err != nil {
		return State{}, err
	}
	last, err := lastRevision(cfg, name)
	if err != nil {
		return State{}, fmt.Errorf("release %s in namespace %s: %w", name, namespace, err)
	}
	if last == nil {
		return State{}, nil
	}
	s := State{Revision: last.Version, Manifest: last.Manifest}
	if last.Info != nil {
		s.Status = string(last.Info.Status)
	}
	if last.Chart != nil && last.Chart.Metadata != nil {
		s.Chart = last.Chart.Metadata.Name + "-" + last.Chart.Metadata.Version
	}
	return s, nil
}
