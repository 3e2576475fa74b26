package mesh

import (
	"context"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func TestGenerateLinkRejectsUnreachableServers(t *testing.T) {
	tests := []struct{ server, want string }{
		{"", "cluster b: no API server address reachable from other clusters was given"},
		{"https://0.0.0.0:6443", `cluster b: API server address "https://0.0.0.0:6443" for other clusters is unspecified (0.0.0.0): use the node's address`},
		{"https://[::]:6443", `cluster b: API server address "https://[::]:6443" for other clusters is unspecified (::): use the node's address`},
		{"http://172.18.0.3:6443", `cluster b: API server address "http://172.18.0.3:6443" for other clusters is not an https://host:port URL`},
		{"172.18.0.3:6443", `cluster b: API server address "172.18.0.3:6443" for other clusters is not an https://host:port URL`},
	}
	for _, tt := range tests {
		name := tt.server
		if name == "" {
			name = "empty"
		}
		t.Run(name, func(t *testing.T) {
			// No API server is contacted: the address is checked first.
			_, err := GenerateLink(context.Background(), Endpoint{Name: "b", RESTConfig: &rest.Config{Host: "https://127.0.0.1:1"}, ServerFromPeers: tt.server}, true)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v\nwant    %s", err, tt.want)
			}
		})
	}
}

func TestRemoteKubeconfig(t *testing.T) {
	target := Endpoint{Name: "b", ServerFromPeers: "https://172.18.0.3:6443",
		RESTConfig: &rest.Config{Host: "https://127.0.0.1:1", TLSClientConfig: rest.TLSClientConfig{CAData: []byte("KUBECONFIG CA")}}}
	tests := []struct {
		name     string
		tls      rest.TLSClientConfig
		wantCA   string
		insecure bool
	}{
		{"CA from the REST config, as link-gen takes the kubeconfig's", target.RESTConfig.TLSClientConfig, "KUBECONFIG CA", false},
		{"CA from the token Secret when the REST config has none", rest.TLSClientConfig{}, "TOKEN CA", false},
		{"insecure stays insecure", rest.TLSClientConfig{Insecure: true}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := target
			ep.RESTConfig = &rest.Config{Host: target.RESTConfig.Host, TLSClientConfig: tt.tls}
			data, err := remoteKubeconfig(ep, "TOKEN", []byte("TOKEN CA"))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := clientcmd.Load(data)
			if err != nil {
				t.Fatal(err)
			}
			ctx := cfg.Contexts[cfg.CurrentContext]
			if cfg.CurrentContext != "b" || ctx.AuthInfo != RemoteAccessServiceAccount {
				t.Errorf("context %q with user %q", cfg.CurrentContext, ctx.AuthInfo)
			}
			c := cfg.Clusters[ctx.Cluster]
			if c.Server != "https://172.18.0.3:6443" || string(c.CertificateAuthorityData) != tt.wantCA || c.InsecureSkipTLSVerify != tt.insecure {
				t.Errorf("cluster = %s, CA %q, insecure %v", c.Server, c.CertificateAuthorityData, c.InsecureSkipTLSVerify)
			}
			if cfg.AuthInfos[ctx.AuthInfo].Token != "TOKEN" {
				t.Errorf("token = %q", cfg.AuthInfos[ctx.AuthInfo].Token)
			}
		})
	}
}

func TestProbePeriod(t *testing.T) {
	for in, want := range map[string]string{"3": "3s", "90": "1m30s", "2s": "2s", "1m0s": "1m0s"} {
		if got, err := probePeriod(in); err != nil || got != want {
			t.Errorf("probePeriod(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := probePeriod("soon"); err == nil || err.Error() != `mirror.linkerd.io/probe-period "soon" is neither seconds nor a duration` {
		t.Errorf("probePeriod(soon) error = %v", err)
	}
}

func TestCommands(t *testing.T) {
	spec := LinkSpec{
		Source: Endpoint{Name: "faces"},
		Target: Endpoint{Name: "smiley", ServerFromPeers: "https://192.168.155.3:6443"},
	}
	want := "linkerd --context=smiley multicluster link-gen --cluster-name=smiley --api-server-address=https://192.168.155.3:6443 --gateway=false \\\n" +
		"  | kubectl --context=faces apply -f -"
	if got := LinkCommand(spec); got != want {
		t.Errorf("pod-to-pod:\n%s\nwant\n%s", got, want)
	}
	spec.Gateway = true
	if got := LinkCommand(spec); strings.Contains(got, "--gateway") {
		t.Errorf("gateway link command has a --gateway flag: %s", got)
	}
	want = "kubectl --context=faces -n linkerd-multicluster delete --ignore-not-found link.multicluster.linkerd.io/smiley secret/cluster-credentials-smiley lease/service-mirror-write-smiley\n" +
		"kubectl --context=faces -n linkerd delete --ignore-not-found secret -l multicluster.linkerd.io/cluster-name=smiley\n" +
		"kubectl --context=faces delete --ignore-not-found service -A -l mirror.linkerd.io/mirrored-service=true,mirror.linkerd.io/cluster-name=smiley"
	if got := UnlinkCommand("faces", "smiley"); got != want {
		t.Errorf("unlink:\n%s\nwant\n%s", got, want)
	}
}
