package mesh

import (
	"fmt"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

// Redacted replaces secrets in what is printed.
const Redacted = "<redacted>"

// LinkManifests renders objs as the YAML documents ApplyLink applies, which
// `kubectl apply -f -` accepts. The kubeconfig is shown as stringData so it
// can be read; with redact its token is replaced by Redacted.
func LinkManifests(objs *LinkObjects, redact bool) (string, error) {
	kubeconfig := objs.Kubeconfig
	if redact {
		var err error
		if kubeconfig, err = redactToken(kubeconfig); err != nil {
			return "", fmt.Errorf("link %s: %w", objs.Target, err)
		}
	}
	link, err := objs.unstructuredLink()
	if err != nil {
		return "", err
	}
	docs := []any{
		secretManifest(objs, MulticlusterNamespace, kubeconfig),
		secretManifest(objs, LinkerdNamespace, kubeconfig),
		link.Object,
	}
	var b strings.Builder
	for _, d := range docs {
		out, err := yaml.Marshal(d)
		if err != nil {
			return "", fmt.Errorf("link %s: %w", objs.Target, err)
		}
		b.WriteString("---\n")
		b.Write(out)
	}
	return b.String(), nil
}

func secretManifest(objs *LinkObjects, namespace string, kubeconfig []byte) map[string]any {
	s := objs.credentials(namespace)
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Secret",
		"metadata": map[string]any{
			"name":        s.Name,
			"namespace":   s.Namespace,
			"labels":      s.Labels,
			"annotations": s.Annotations,
		},
		"type":       string(s.Type),
		"stringData": map[string]any{KubeconfigKey: string(kubeconfig)},
	}
}

func redactToken(kubeconfig []byte) ([]byte, error) {
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	for _, u := range cfg.AuthInfos {
		if u.Token != "" {
			u.Token = Redacted
		}
	}
	return clientcmd.Write(*cfg)
}

// LinkCommand is the shell pipeline that does what GenerateLink and
// ApplyLink do for spec, with the Linkerd CLI and kubectl, for a dry run.
// Kube contexts are named after the clusters.
func LinkCommand(spec LinkSpec) string {
	args := []string{
		"linkerd", "--context=" + spec.Target.Name, "multicluster", "link-gen",
		"--cluster-name=" + spec.Target.Name,
		"--api-server-address=" + spec.Target.ServerFromPeers,
	}
	if !spec.Gateway {
		args = append(args, "--gateway=false")
	}
	return strings.Join(args, " ") + " \\\n  | kubectl --context=" + spec.Source.Name + " apply -f -"
}

// UnlinkCommand is the kubectl equivalent of Unlink, for a dry run.
func UnlinkCommand(source, target string) string {
	ctx := "kubectl --context=" + source
	return strings.Join([]string{
		fmt.Sprintf("%s -n %s delete --ignore-not-found link.multicluster.linkerd.io/%s secret/%s lease/%s",
			ctx, MulticlusterNamespace, target, CredentialsSecretName(target), leaseName(target)),
		fmt.Sprintf("%s -n %s delete --ignore-not-found secret -l %s=%s", ctx, LinkerdNamespace, ClusterNameLabel, target),
		fmt.Sprintf("%s delete --ignore-not-found service -A -l %s=true,%s=%s", ctx, mirroredServiceLabel, remoteClusterLabel, target),
	}, "\n")
}
