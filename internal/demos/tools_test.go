package demos

import (
	"slices"
	"strings"
	"testing"
)

func TestParseKubectl(t *testing.T) {
	for _, tc := range []struct {
		line string
		want kubectlCall
	}{
		{"kubectl --context east apply -f k8s/a.yaml", kubectlCall{Verb: "apply", Context: "east", Files: []string{"k8s/a.yaml"}}},
		{"kubectl -n faces --context=west create --filename=x.yaml -f y.yaml", kubectlCall{Verb: "create", Context: "west", Namespace: "faces", Files: []string{"x.yaml", "y.yaml"}}},
		{"kubectl get svc -o jsonpath={.spec} -n faces", kubectlCall{Verb: "get", Namespace: "faces"}},
		{"kubectl -o yaml --context c get deploy/faces-gui", kubectlCall{Verb: "get", Context: "c"}},
		{"kubectl apply -k overlay", kubectlCall{Verb: "apply", Kustomize: true}},
	} {
		got := parseKubectl(strings.Fields(tc.line))
		if got.Verb != tc.want.Verb || got.Context != tc.want.Context || got.Namespace != tc.want.Namespace ||
			!slices.Equal(got.Files, tc.want.Files) || got.Kustomize != tc.want.Kustomize {
			t.Errorf("%s: got %+v, want %+v", tc.line, got, tc.want)
		}
	}
}

func TestParseHelm(t *testing.T) {
	h, err := parseHelm(strings.Fields("helm upgrade --install --kube-context faces -n faces faces ../charts/faces --set a=1 --set-string b=2 -f v.yaml --wait"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Verb != "upgrade" || h.KubeContext != "faces" || h.Release.Name != "faces" || h.Release.Chart != "../charts/faces" ||
		h.Release.Namespace != "faces" || !slices.Equal(h.Release.Values.Values, []string{"a=1"}) ||
		!slices.Equal(h.Release.Values.StringValues, []string{"b=2"}) || !slices.Equal(h.Release.Values.ValueFiles, []string{"v.yaml"}) {
		t.Errorf("got %+v", h)
	}
	if _, err := parseHelm(strings.Fields("helm install x ./c --post-renderer foo")); err == nil {
		t.Errorf("an unknown flag was accepted: its value would be taken for the chart")
	}
}

func TestSubcommand(t *testing.T) {
	for line, want := range map[string]string{
		"create --dryrun clusters smiley":     "create",
		"--src cdn --dst faces link clusters": "link",
		"status -o json --wait 2m clusters a": "status",
		"--trust-dir ./certs certs --force c": "certs",
	} {
		args := strings.Fields(line)
		if got := subcommand(args); got != want {
			t.Errorf("%s: got %q, want %q", line, got, want)
		}
	}
	if got := positionals(strings.Fields("status -o json --wait 2m clusters a b")); !slices.Equal(got, []string{"clusters", "a", "b"}) {
		t.Errorf("positionals: %v", got)
	}
}

// TestSwallowed: the ways a command hides a failure from demosh, and the
// forms that are fine.
func TestSwallowed(t *testing.T) {
	for line, want := range map[string]string{
		"a | less":                             "pipeline",
		"a || true":                            "swallowed",
		"a; b":                                 "2 commands",
		"a &":                                  "background",
		"{ a; b; }":                            "followed by another",
		"a || { echo failed >&2; exit 1; }":    "",
		"until a; do sleep 1; done":            "",
		"a && b":                               "",
		"if ! a; then echo no >&2; exit 1; fi": "",
		"X=$(a) || exit 1":                     "",
		"kubectl get pods -o jsonpath='{.items}'": "",
	} {
		f, err := parse(line)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(swallowed(f, false), "; ")
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s: got %q, want %q", line, got, want)
		}
	}
}
