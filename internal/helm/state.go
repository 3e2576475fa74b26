package helm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
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

// Revision is one revision of a release as `helm history` shows it, with
// the values it was given, secrets redacted.
type Revision struct {
	Revision    int            `json:"revision"`
	Updated     time.Time      `json:"updated"`
	Status      string         `json:"status"`
	Chart       string         `json:"chart"`
	Description string         `json:"description,omitempty"`
	Values      map[string]any `json:"values,omitempty"`
}

// History returns the revisions of a release, oldest first; none when the
// release does not exist. Values under keys that name a secret (see
// RedactSecrets) are replaced by Redacted.
func (c *Client) History(_ context.Context, name, namespace string) ([]Revision, error) {
	cfg, err := c.actionConfig(namespace)
	if err != nil {
		return nil, err
	}
	hist, err := cfg.Releases.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("release %s in namespace %s: %w", name, namespace, err)
	}
	sort.Slice(hist, func(i, j int) bool { return hist[i].Version < hist[j].Version })
	var out []Revision
	for _, r := range hist {
		rev := Revision{Revision: r.Version, Values: RedactSecrets(r.Config)}
		if r.Info != nil {
			rev.Updated, rev.Status, rev.Description = r.Info.LastDeployed.Time, string(r.Info.Status), r.Info.Description
		}
		if r.Chart != nil && r.Chart.Metadata != nil {
			rev.Chart = r.Chart.Metadata.Name + "-" + r.Chart.Metadata.Version
		}
		out = append(out, rev)
	}
	return out, nil
}

// secretWords are what a value's key holds when the value is a secret:
// the issuer's keyPEM, tokens, passwords, Buoyant Enterprise's license.
var secretWords = []string{"key", "token", "password", "secret", "license"}

// RedactSecrets returns a copy of values with every value whose key names
// a secret replaced by Redacted, at any depth.
func RedactSecrets(values map[string]any) map[string]any {
	if values == nil {
		return nil
	}
	out := make(map[string]any, len(values))
	for k, v := range values {
		if isSecretKey(k) {
			out[k] = Redacted
			continue
		}
		out[k] = redactAny(v)
	}
	return out
}

func redactAny(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return RedactSecrets(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactAny(e)
		}
		return out
	}
	return v
}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
