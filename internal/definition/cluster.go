package definition

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// clusterFile is the shape of sma.yaml, apiVersion sma.buoyant.io/v1alpha1.
type clusterFile struct {
	Kind       string          `yaml:"kind"`
	APIVersion string          `yaml:"apiVersion"`
	Metadata   clusterMetadata `yaml:"metadata"`
	Spec       clusterSpec     `yaml:"spec"`
}

type clusterMetadata struct {
	Name string `yaml:"name"`
}

type clusterSpec struct {
	Subnet       *SubnetID `yaml:"subnet"`
	V4Enabled    *bool     `yaml:"v4Enabled"`
	V6Enabled    *bool     `yaml:"v6Enabled"`
	Provider     string    `yaml:"provider"`
	Group        string    `yaml:"group"`
	Zone         string    `yaml:"zone"`
	Image        string    `yaml:"image"`
	Context      string    `yaml:"context"`
	Kubeconfig   string    `yaml:"kubeconfig"`
	GatewayLinks []string  `yaml:"gatewayLinks"`
}

// parseCluster parses and checks one sma.yaml on its own; checks across
// clusters are Load's. It returns the cluster whenever the file is a
// mapping, even with problems, so that Load can still check names and
// links against it; Name is "" when the file gives no usable name.
func parseCluster(file string, data []byte) (*Cluster, Problems) {
	root, problems := parseDocument(file, data)
	if root == nil {
		if len(problems) == 0 {
			problems.add(Pos{File: file}, "", "the file is empty; a cluster definition needs kind: %s, apiVersion: %s, metadata.name and spec.provider",
				ClusterKind, APIVersion)
		}
		return nil, problems
	}
	d := newDecoder(file, reflect.TypeOf(clusterFile{}))
	var cf clusterFile
	d.decode(root, "", reflect.ValueOf(&cf).Elem())
	if d.bad[""] {
		return nil, append(problems, d.problems...)
	}
	c := &Cluster{
		Dir:          filepath.Dir(file),
		File:         file,
		Subnet:       cf.Spec.Subnet,
		V4:           v4Enabled(cf.Spec.V4Enabled, cf.Spec.V6Enabled),
		V6:           cf.Spec.V6Enabled != nil && *cf.Spec.V6Enabled,
		Provider:     cf.Spec.Provider,
		Group:        cf.Spec.Group,
		Zone:         cf.Spec.Zone,
		Image:        cf.Spec.Image,
		Context:      cf.Spec.Context,
		GatewayLinks: cf.Spec.GatewayLinks,
		Pos:          d.pos,
	}
	ck := &fileCheck{d: d, c: c, start: d.at(root)}
	ck.header("kind", cf.Kind, ClusterKind)
	ck.header("apiVersion", cf.APIVersion, APIVersion)
	if ck.name(cf.Metadata.Name) {
		c.Name = cf.Metadata.Name
	}
	ck.spec(&cf.Spec)
	c.Kubeconfig = ck.kubeconfig(cf.Spec.Kubeconfig)
	return c, append(problems, d.problems...)
}

// fileCheck checks the meaning of a decoded sma.yaml or lab.yaml. Fields
// whose value had the wrong type were reported by the decoder and are not
// checked again.
type fileCheck struct {
	d     *decoder
	c     *Cluster // nil for lab.yaml
	start Pos      // the top of the document, for what is missing altogether
}

func (ck *fileCheck) problem(path, format string, args ...any) {
	ck.d.problems.add(ck.where(path), path, format, args...)
}

// where returns the position of path, or of the nearest enclosing field the
// file has.
func (ck *fileCheck) where(path string) Pos {
	for p := path; p != ""; {
		if pos, ok := ck.d.pos[p]; ok {
			return pos
		}
		i := strings.LastIndex(p, ".")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return ck.start
}

// absent reports a required field the file does not have, saying how to
// add it, unless the decoder already said why (a wrong type, or an unknown
// field that was probably meant to be this one). A field written without a
// value is reported at its key. It returns false when path is present.
func (ck *fileCheck) absent(path, fix string) bool {
	d := ck.d
	switch {
	case d.present(path):
		return false
	case d.bad[path] || d.suggested[path]:
		return true
	}
	if pos, ok := d.nulls[path]; ok {
		d.problems.add(pos, path, "empty; %s", fix)
		return true
	}
	ck.problem(path, "missing; %s", fix)
	return true
}

func (ck *fileCheck) header(path, got, want string) {
	switch {
	case ck.absent(path, fmt.Sprintf("add \"%s: %s\" at the top of the file", path, want)):
	case got == want:
	case path == "kind" && got == LabKind:
		ck.problem(path, "want %q, got %q: lab settings belong in %s at the root of a directory you pass, not in %s",
			want, got, LabFileName, ClusterFileName)
	case path == "kind" && got == ClusterKind:
		ck.problem(path, "want %q, got %q: a cluster definition belongs in its own directory, in a file named %s",
			want, got, ClusterFileName)
	default:
		ck.problem(path, "want %q, got %q", want, got)
	}
}

// name checks metadata.name and reports whether it is usable.
func (ck *fileCheck) name(name string) bool {
	const path = "metadata.name"
	switch {
	case ck.d.bad["metadata"]:
		return false
	case ck.d.present("metadata") || ck.d.nulls["metadata"] != Pos{}:
		if ck.absent(path, "add \"name: <cluster name>\" under metadata") {
			return false
		}
	case ck.absent(path, "add \"metadata:\" with \"name: <cluster name>\" under it"):
		return false
	}
	if msg := checkClusterName(name, ck.c.Provider); msg != "" {
		ck.problem(path, "%s", msg)
		return false
	}
	return true
}

func (ck *fileCheck) spec(s *clusterSpec) {
	fix := "add \"spec:\" with the cluster's fields, at least \"provider: kind\", indented under it"
	if _, ok := ck.d.nulls["spec"]; ok {
		fix = "indent the cluster's fields, at least \"provider: kind\", under it"
	}
	if ck.absent("spec", fix) {
		return
	}
	ck.provider(s.Provider)
	switch {
	case ck.c.V4 || ck.c.V6 || ck.d.bad["spec.v6Enabled"]:
	case ck.d.present("spec.v6Enabled"):
		ck.problem("spec.v4Enabled", "v4Enabled and v6Enabled are both false; enable at least one IP family")
	default:
		ck.problem("spec.v4Enabled", "IPv4 is off and IPv6 is off by default (v6Enabled: false); enable at least one IP family")
	}
	for _, f := range []struct{ path, value string }{
		{"spec.provider", s.Provider}, {"spec.group", s.Group}, {"spec.zone", s.Zone},
		{"spec.image", s.Image}, {"spec.context", s.Context}, {"spec.kubeconfig", s.Kubeconfig},
	} {
		if ck.d.present(f.path) && strings.TrimSpace(f.value) == "" {
			ck.problem(f.path, "empty; give a value or remove the field")
		}
	}
	if s.Group != "" && !labelValueRE.MatchString(s.Group) {
		ck.problem("spec.group", "%q is not a valid group name: %s", s.Group, labelValueRules)
	}
	if s.Zone != "" && !labelValueRE.MatchString(s.Zone) {
		ck.problem("spec.zone", "%q is not a valid zone: it becomes the node label topology.kubernetes.io/zone, so %s", s.Zone, labelValueRules)
	}
	if strings.TrimSpace(s.Image) != "" {
		if msg := checkImage(s.Image); msg != "" {
			ck.problem("spec.image", "%s", msg)
		}
	}
	ck.providerFields()
	ck.links(s.GatewayLinks)
}

func (ck *fileCheck) provider(p string) {
	switch {
	case ck.absent("spec.provider", "set it to "+orList(providers)):
	case strings.TrimSpace(p) == "":
	case !isProvider(p):
		ck.problem("spec.provider", "unknown provider %q; use %s", p, orList(providers))
	}
}

// providerFields checks the fields that only some providers take.
func (ck *fileCheck) providerFields() {
	c := ck.c
	switch c.Provider {
	case ProviderExternal:
		if !ck.d.present("spec.context") && !ck.d.bad["spec.context"] && !ck.d.suggested["spec.context"] {
			// Point at the provider line: that is what makes context necessary.
			ck.d.problems.add(ck.where("spec.provider"), "spec.context",
				"missing; provider external needs the kube context of the existing cluster (\"context: <name in your kubeconfig>\")")
		}
		notFor := func(path, why string) {
			if ck.d.present(path) {
				ck.problem(path, "not used with provider external: %s; remove it", why)
			}
		}
		notFor("spec.image", "localcluster does not create that cluster")
		notFor("spec.subnet", "the cluster brings its own addresses")
		notFor("spec.zone", "localcluster does not label that cluster's nodes")
	case ProviderKind, ProviderK3d:
		for _, path := range []string{"spec.context", "spec.kubeconfig"} {
			if ck.d.present(path) {
				ck.problem(path, "only for provider external: localcluster creates %s clusters and names their context after the cluster; remove it", c.Provider)
			}
		}
	}
}

func (ck *fileCheck) links(links []string) {
	for i, l := range links {
		path := fmt.Sprintf("spec.gatewayLinks[%d]", i)
		if ck.d.present(path) && strings.TrimSpace(l) == "" {
			ck.problem(path, "empty cluster name; remove it")
		}
	}
}

// kubeconfig resolves the kubeconfig path (see resolvePath) so that the
// file is found whatever the working directory.
func (ck *fileCheck) kubeconfig(p string) string {
	const path = "spec.kubeconfig"
	if p == "" || !ck.d.present(path) {
		return p
	}
	resolved, msg := resolvePath(p, ck.c.Dir)
	if msg != "" {
		ck.problem(path, "%s", msg)
	} else if fi, err := os.Stat(resolved); err == nil && fi.IsDir() {
		ck.problem(path, "%s is a directory; give the kubeconfig file in it, e.g. %s", resolved, filepath.Join(p, "config"))
	}
	return resolved
}

// resolvePath expands "~/" to the home directory and joins a relative path
// to dir, the directory of the file that names it. It returns what is
// wrong with p, if anything.
func resolvePath(p, dir string) (string, string) {
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
		home, err := os.UserHomeDir()
		if err != nil {
			return p, fmt.Sprintf("cannot expand \"~\" (%v); write the full path", err)
		}
		return filepath.Join(home, p[1:]), ""
	case strings.HasPrefix(p, "~"):
		return p, fmt.Sprintf("%q: only \"~/\" is expanded; write the full path", p)
	case filepath.IsAbs(p):
		return p, ""
	}
	return filepath.Join(dir, p), ""
}

func isProvider(p string) bool {
	for _, q := range providers {
		if p == q {
			return true
		}
	}
	return false
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// v4Enabled defaults IPv4 as the older tool does wherever its files worked:
// it read a missing v4Enabled as false, so a file with only
// v6Enabled: true is IPv6-only. A file with neither flag made no usable
// cluster there; here it gets IPv4.
func v4Enabled(v4, v6 *bool) bool {
	if v4 != nil {
		return *v4
	}
	return v6 == nil || !*v6
}
