package definition

import (
	"net/netip"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/distribution/reference"
)

// labFile is the shape of lab.yaml, apiVersion sma.buoyant.io/v1alpha1.
type labFile struct {
	Kind       string   `yaml:"kind"`
	APIVersion string   `yaml:"apiVersion"`
	Spec       Settings `yaml:"spec"`
}

// dockerNameRE is what Docker accepts as a network name.
var dockerNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// IsRemoteRepo reports whether a chart repository setting is an http(s)://
// or oci:// address rather than a local path.
func IsRemoteRepo(repo string) bool {
	for _, scheme := range []string{"http://", "https://", "oci://"} {
		if strings.HasPrefix(repo, scheme) {
			return true
		}
	}
	return false
}

// parseLab parses and checks one lab.yaml. Local chart paths are resolved
// against the file's directory; whether they exist is Load's to check.
func parseLab(file string, data []byte) (Settings, map[string]Pos, Problems) {
	root, problems := parseDocument(file, data)
	if root == nil {
		if len(problems) == 0 {
			problems.add(Pos{File: file}, "", "the file is empty; give it kind: %s, apiVersion: %s and spec, or remove it", LabKind, APIVersion)
		}
		return Settings{}, nil, problems
	}
	d := newDecoder(file, reflect.TypeOf(labFile{}))
	var lf labFile
	d.decode(root, "", reflect.ValueOf(&lf).Elem())
	if d.bad[""] {
		return Settings{}, nil, append(problems, d.problems...)
	}
	ck := &fileCheck{d: d, start: d.at(root)}
	ck.header("kind", lf.Kind, LabKind)
	ck.header("apiVersion", lf.APIVersion, APIVersion)
	s := lf.Spec
	checkNetwork(ck, &s.Network)
	dir := filepath.Dir(file)
	s.Linkerd.Repo = checkRepo(ck, "spec.linkerd.repo", s.Linkerd.Repo, dir)
	s.MetalLB.Repo = checkRepo(ck, "spec.metallb.repo", s.MetalLB.Repo, dir)
	for _, f := range []struct{ path, value string }{
		{"spec.linkerd.version", s.Linkerd.Version},
		{"spec.linkerd.charts.crds", s.Linkerd.Charts.CRDs},
		{"spec.linkerd.charts.controlPlane", s.Linkerd.Charts.ControlPlane},
		{"spec.linkerd.charts.multicluster", s.Linkerd.Charts.Multicluster},
		{"spec.metallb.version", s.MetalLB.Version},
	} {
		switch {
		case !d.present(f.path):
		case strings.TrimSpace(f.value) == "":
			ck.problem(f.path, "empty; give a value or remove the field")
		case strings.HasSuffix(f.path, ".version"):
			checkChartVersion(ck, f.path, f.value)
		case strings.ContainsAny(f.value, " \t\n"):
			ck.problem(f.path, "%q must not contain blanks", f.value)
		}
	}
	return s, d.pos, append(problems, d.problems...)
}

func checkNetwork(ck *fileCheck, n *NetworkSettings) {
	d := ck.d
	if d.present("spec.network.name") && !dockerNameRE.MatchString(n.Name) {
		ck.problem("spec.network.name", "%q is not a valid Docker network name: use letters, digits, '_', '.' or '-', at least two, starting with a letter or digit", n.Name)
	}
	checkPrefix(ck, "spec.network.ipv4Subnet", n.IPv4Subnet, true)
	checkPrefix(ck, "spec.network.ipv4Range", n.IPv4Range, true)
	checkPrefix(ck, "spec.network.ipv6Subnet", n.IPv6Subnet, false)
	if d.present("spec.network.ipv4Subnet") && d.present("spec.network.ipv4Range") &&
		n.IPv4Subnet.Addr().Is4() && n.IPv4Range.Addr().Is4() &&
		(n.IPv4Range.Bits() < n.IPv4Subnet.Bits() || !n.IPv4Subnet.Contains(n.IPv4Range.Addr())) {
		ck.problem("spec.network.ipv4Range", "%s is not inside ipv4Subnet %s; Docker hands out node addresses from this range, so it must be part of the subnet",
			n.IPv4Range, n.IPv4Subnet)
	}
	if d.present("spec.network.mtu") && (n.MTU < 68 || n.MTU > 65535) {
		ck.problem("spec.network.mtu", "%d is out of range; want 68 to 65535 (1500 is usual)", n.MTU)
	}
}

func checkPrefix(ck *fileCheck, path string, p netip.Prefix, v4 bool) {
	switch {
	case !ck.d.present(path):
	case v4 && !p.Addr().Is4():
		ck.problem(path, "%s is not an IPv4 prefix", p)
	case !v4 && (!p.Addr().Is6() || p.Addr().Is4In6()):
		ck.problem(path, "%s is not an IPv6 prefix", p)
	case p != p.Masked():
		ck.problem(path, "%s has host bits set; did you mean %s?", p, p.Masked())
	}
}

// checkChartVersion checks a chart version setting the way Helm reads
// --version: an exact version or a range.
func checkChartVersion(ck *fileCheck, path, version string) {
	if _, err := semver.NewConstraint(version); err != nil {
		ck.problem(path, "%q is not a chart version or version range (%v); write one like 2.20.2, or a range like ~2.20", version, err)
	}
}

// checkRepo checks a chart repository setting and returns it with a local
// path resolved against dir, lab.yaml's directory (see resolvePath).
func checkRepo(ck *fileCheck, path, repo, dir string) string {
	switch {
	case !ck.d.present(path):
		return repo
	case strings.TrimSpace(repo) == "":
		ck.problem(path, "empty; give an https:// or oci:// repository or a local path, or remove the field")
	case strings.HasPrefix(repo, "oci://"):
		// Helm appends the chart name to an OCI repository and parses the
		// result as an image reference; a valid repository is one.
		ref, err := reference.ParseNamed(strings.TrimPrefix(repo, "oci://"))
		switch {
		case err != nil:
			ck.problem(path, "%q is not a valid OCI repository (%v); want one like oci://ghcr.io/<organisation>/charts: a registry host, then a lower-case path", repo, err)
		case !reference.IsNameOnly(ref):
			ck.problem(path, "%q names a tag or digest; the repository is where the charts are, without one: set the chart version in spec.linkerd.version or spec.metallb.version", repo)
		}
	case IsRemoteRepo(repo):
		if u, err := url.Parse(repo); err != nil || u.Host == "" {
			ck.problem(path, "%q is not a valid repository address; want one like https://helm.linkerd.io/edge", repo)
		}
	case strings.Contains(repo, "://"):
		ck.problem(path, "%q: use an https://, http:// or oci:// repository, or a local path", repo)
	default:
		resolved, msg := resolvePath(repo, dir)
		if msg != "" {
			ck.problem(path, "%s", msg)
		}
		return resolved
	}
	return repo
}
