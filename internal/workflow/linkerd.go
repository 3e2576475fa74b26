package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/certs"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/mesh"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/shell"
)

func linkerdID(name string) string      { return stepID(LinkerdStep, name) }
func multiclusterID(name string) string { return stepID(MulticlusterStep, name) }

// kubeTarget is the kubeconfig file and context that reach a cluster:
// ours for the clusters the lab manages, the definition's for one that
// exists elsewhere.
func (e *Env) kubeTarget(c *addrplan.Cluster) (path, context string) {
	if !e.Managed(c) {
		path = c.Def.Kubeconfig
		if path == "" {
			path = e.Kubeconfig
		}
		return path, c.Def.Context
	}
	return e.Kubeconfig, c.Name
}

func (e *Env) helmClient(c *addrplan.Cluster, log plan.Logger) (*helm.Client, error) {
	if _, err := e.reach(c); err != nil {
		return nil, err
	}
	path, kctx := e.kubeTarget(c)
	// Steps run under the lab's lock (see internal/lablock): a release
	// left pending was left by a run that was killed.
	opts := []helm.Option{helm.WithInterruptedRecovery()}
	if e.Verbose {
		opts = append(opts, helm.WithLogger(log.Logf))
	}
	return helm.New(path, kctx, opts...)
}

// meshCluster is what Linkerd's releases of c depend on, with the
// certificates left out (dry-run must not need them).
func (e *Env) meshCluster(c *addrplan.Cluster) mesh.Cluster {
	return mesh.Cluster{
		Name: c.Name, IPv6: c.Def.V6, GatewayAPI: true,
		Gateway:            e.isGatewayTarget(c.Name),
		MulticlusterValues: c.Def.MCValues,
	}
}

// isGatewayTarget reports whether some cluster declares a gateway link to
// name, so name needs a gateway.
func (e *Env) isGatewayTarget(name string) bool {
	for _, d := range e.Lab.Clusters {
		for _, t := range d.GatewayLinks {
			if t == name {
				return true
			}
		}
	}
	return false
}

// placeholderPEM stands in for certificates in dry-run transcripts, where
// the files are passed with --set-file instead.
const placeholderPEM = "<from file>"

// LinkerdSteps install the CRDs and the control plane in each cluster,
// with the lab's anchor and the cluster's issuer. needs names what a
// cluster's install waits for besides the certificates.
func LinkerdSteps(e *Env, defs []*definition.Cluster, needs func(string) string) []*plan.Step {
	var steps []*plan.Step
	for _, c := range e.clustersOf(defs) {
		mc := e.meshCluster(c)
		mc.TrustAnchorPEM, mc.IssuerCertPEM, mc.IssuerKeyPEM = []byte(placeholderPEM), []byte(placeholderPEM), []byte(placeholderPEM)
		crds := mesh.CRDsRelease(e.Charts.Linkerd, mc)
		cp, err := mesh.ControlPlaneRelease(e.Charts.Linkerd, mc)
		s := &plan.Step{
			ID: linkerdID(c.Name), Cluster: c.Name, Needs: []string{CertsStepID},
			Title: "Install Linkerd CRDs and control plane",
		}
		if id := needs(c.Name); id != "" {
			s.Needs = append(s.Needs, id)
		}
		if err != nil {
			s.Do = failing(err)
			steps = append(steps, s)
			continue
		}
		_, kctx := e.kubeTarget(c)
		s.Script = helm.Command(kctx, crds) + "\n" + e.controlPlaneCommand(kctx, c, cp)
		s.Do = func(ctx context.Context, log plan.Logger) (plan.Result, error) {
			return e.installLinkerd(ctx, c, log)
		}
		steps = append(steps, s)
	}
	return steps
}

// controlPlaneCommand prints the control plane release with the
// certificates passed from their files, so the command can be pasted.
func (e *Env) controlPlaneCommand(kctx string, c *addrplan.Cluster, r helm.Release) string {
	r.Values = withoutCertificates(r.Values)
	r.SecretValues = nil
	crt, key := certs.IssuerPaths(c.Def.Dir)
	anchor, _ := certs.AnchorPaths(e.TrustDir)
	files := []string{
		"--set-file", "identityTrustAnchorsPEM=" + shell.Quote(anchor),
		"--set-file", "identity.issuer.tls.crtPEM=" + shell.Quote(crt),
		"--set-file", "identity.issuer.tls.keyPEM=" + shell.Quote(key),
	}
	// The values go after the flags helm.Command prints, as "-f -".
	return strings.Replace(helm.Command(kctx, r), " -f - ", " "+strings.Join(files, " ")+" -f - ", 1)
}

func withoutCertificates(values map[string]any) map[string]any {
	out := mesh.MergeValues(values, nil)
	delete(out, "identityTrustAnchorsPEM")
	if id, ok := out["identity"].(map[string]any); ok {
		delete(id, "issuer")
		if len(id) == 0 {
			delete(out, "identity")
		}
	}
	return out
}

func (e *Env) installLinkerd(ctx context.Context, c *addrplan.Cluster, log plan.Logger) (plan.Result, error) {
	anchor, crt, key, err := certs.LoadIssuer(e.TrustDir, c.Def.Dir)
	if err != nil {
		return plan.Result{}, err
	}
	mc := e.meshCluster(c)
	mc.TrustAnchorPEM, mc.IssuerCertPEM, mc.IssuerKeyPEM = anchor, crt, key
	cfg, err := e.reach(c)
	if err != nil {
		return plan.Result{}, err
	}
	elsewhere, err := gatewayAPIOwnedElsewhere(ctx, cfg)
	if err != nil {
		return plan.Result{}, err
	}
	if elsewhere {
		log.Logf("the Gateway API CRDs are already installed by something else: keeping them, linkerd-crds will not install its own")
		mc.GatewayAPI = false
	}
	cp, err := mesh.ControlPlaneRelease(e.Charts.Linkerd, mc)
	if err != nil {
		return plan.Result{}, err
	}
	client, err := e.helmClient(c, log)
	if err != nil {
		return plan.Result{}, err
	}
	return ensureAll(ctx, client, []helm.Release{mesh.CRDsRelease(e.Charts.Linkerd, mc), cp}, log)
}

func ensureAll(ctx context.Context, client *helm.Client, releases []helm.Release, log plan.Logger) (plan.Result, error) {
	var did []string
	for _, r := range releases {
		if r.Wait {
			log.Logf("%s: %s, waiting up to %s for it to be ready", r.Name, r.Chart, timeoutOf(r))
		} else {
			log.Logf("%s: %s", r.Name, r.Chart)
		}
		out, err := client.Ensure(ctx, r)
		if err != nil {
			return plan.Result{}, err
		}
		if out.Recovered != "" {
			log.Logf("%s was left %s by an interrupted run; marked failed and upgraded", r.Name, out.Recovered)
		}
		if out.Action != helm.Unchanged {
			did = append(did, fmt.Sprintf("%s %s (revision %d)", r.Name, out.Action, out.Revision))
		}
	}
	if len(did) == 0 {
		return plan.Unchanged("releases already up to date"), nil
	}
	return plan.Changed(strings.Join(did, ", ")), nil
}

// MulticlusterSteps install the multicluster extension: the gateway where
// some cluster links through it, the remote-access account, mc-values.yaml
// on top, and the link controllers already deployed kept.
func MulticlusterSteps(e *Env, defs []*definition.Cluster, needs func(string) string) []*plan.Step {
	var steps []*plan.Step
	for _, c := range e.clustersOf(defs) {
		s := &plan.Step{ID: multiclusterID(c.Name), Cluster: c.Name, Title: "Install the Linkerd multicluster extension"}
		if id := needs(c.Name); id != "" {
			s.Needs = append(s.Needs, id)
		}
		r, err := mesh.MulticlusterRelease(e.Charts.Linkerd, e.meshCluster(c))
		if err != nil {
			s.Do = failing(err)
			steps = append(steps, s)
			continue
		}
		_, kctx := e.kubeTarget(c)
		s.Script = helm.Command(kctx, r)
		if declared := e.declaredControllers(c); len(declared) > 0 {
			var names []string
			for _, d := range declared {
				names = append(names, d.Target)
			}
			s.Script = "# The real run keeps the service mirrors already deployed (for " + strings.Join(names, ", ") +
				" once group and link ran);\n# after them, add their controllers as those commands print them.\n" + s.Script
		}
		s.Do = func(ctx context.Context, log plan.Logger) (plan.Result, error) {
			return e.ensureMulticluster(ctx, c, mcChange{}, log)
		}
		steps = append(steps, s)
	}
	return steps
}

// mcChange is what a command changes in a multicluster release.
type mcChange struct {
	add      []mesh.Controller // controllers to declare
	remove   []string          // controllers to drop
	gateway  bool              // turn the gateway on
	keepOnly bool              // leave the release alone when it is not deployed
}

// ensureMulticluster ensures c's multicluster release with the controllers
// already deployed, changed as ch says. Controllers live in the cluster's
// release, not in a local file, so every command sees the links the
// cluster really has.
func (e *Env) ensureMulticluster(ctx context.Context, c *addrplan.Cluster, ch mcChange, log plan.Logger) (plan.Result, error) {
	client, err := e.helmClient(c, log)
	if err != nil {
		return plan.Result{}, err
	}
	deployed, err := client.DeployedValues(ctx, mesh.MulticlusterReleaseName, mesh.MulticlusterNamespace)
	if err != nil {
		return plan.Result{}, err
	}
	if deployed == nil && ch.keepOnly {
		return plan.Unchanged("no multicluster release"), nil
	}
	mc := e.meshCluster(c)
	mc.Gateway = mc.Gateway || ch.gateway || gatewayEnabled(deployed)
	r, err := mesh.MulticlusterRelease(e.Charts.Linkerd, mc)
	if err != nil {
		return plan.Result{}, err
	}
	if r.Values, err = keepControllers(r.Values, deployed, ch.remove...); err != nil {
		return plan.Result{}, err
	}
	if r.Values, err = mesh.MergeControllers(r.Values, ch.add...); err != nil {
		return plan.Result{}, err
	}
	return ensureAll(ctx, client, []helm.Release{r}, log)
}

func timeoutOf(r helm.Release) time.Duration {
	if r.Timeout == 0 {
		return helm.DefaultTimeout
	}
	return r.Timeout
}

func gatewayEnabled(values map[string]any) bool {
	gw, _ := values["gateway"].(map[string]any)
	on, _ := gw["enabled"].(bool)
	return on
}

// keepControllers carries the deployed release's controllers into values,
// except those for remove.
func keepControllers(values, deployed map[string]any, remove ...string) (map[string]any, error) {
	if deployed == nil {
		return values, nil
	}
	kept := deployed
	for _, target := range remove {
		var err error
		if kept, _, err = mesh.RemoveController(kept, target); err != nil {
			return nil, err
		}
	}
	list, ok := kept["controllers"].([]any)
	if !ok || len(list) == 0 {
		return values, nil
	}
	merged := mesh.MergeValues(values, nil)
	have, err := mesh.ControllerTargets(merged)
	if err != nil {
		return nil, err
	}
	existing, _ := merged["controllers"].([]any)
	for _, entry := range list {
		if name := controllerName(entry); name != "" && !contains(have, name) {
			existing = append(existing, entry)
		}
	}
	merged["controllers"] = existing
	return merged, nil
}

func controllerName(entry any) string {
	targets, err := mesh.ControllerTargets(map[string]any{"controllers": []any{entry}})
	if err != nil || len(targets) == 0 {
		return ""
	}
	return targets[0]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// KubeTarget is the kubeconfig file and context through which this process
// reaches c.
func (e *Env) KubeTarget(c *addrplan.Cluster) (path, context string) { return e.kubeTarget(c) }
