package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestInfoWithoutDocker(t *testing.T) {
	stdout, stderr, err := run(t, "info", "-o", "json", "clusters/workshop", "cdn", "smiley")
	if err != nil {
		t.Fatal(err)
	}
	var infos []ClusterInfo
	if err := json.Unmarshal([]byte(stdout), &infos); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if len(infos) != 2 || infos[0].Name != "cdn" || infos[1].Name != "smiley" {
		t.Fatalf("infos = %+v", infos)
	}
	smiley := infos[1]
	if smiley.Provider != "kind" || smiley.Group != "face" || smiley.Zone != "zone-east" || smiley.Subnet != "51/5" ||
		strings.Join(smiley.Pods, ",") != "10.5.1.0/24" || strings.Join(smiley.Services, ",") != "10.5.2.0/24" ||
		strings.Join(smiley.LBPools, ",") != "192.168.155.80/28" || len(smiley.Nodes) != 0 {
		t.Errorf("smiley = %+v", smiley)
	}
	if len(infos[0].LBPools) != 0 || infos[0].Provider != "k3d" {
		t.Errorf("cdn = %+v", infos[0])
	}
	if !strings.Contains(stderr, "node addresses unknown") || !strings.Contains(stderr, "cannot reach Docker") {
		t.Errorf("stderr does not explain the missing node addresses: %q", stderr)
	}
}

func TestInfoFormats(t *testing.T) {
	stdout, _, err := run(t, "info", "-o", "yaml", "clusters/east-west")
	if err != nil {
		t.Fatal(err)
	}
	var infos []ClusterInfo
	if err := yaml.Unmarshal([]byte(stdout), &infos); err != nil || len(infos) != 2 || infos[1].Name != "west" {
		t.Fatalf("yaml: %v %+v\n%s", err, infos, stdout)
	}
	stdout, _, err = run(t, "info", "clusters/east-west")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[1], "10.3.1.0/24") || !strings.Contains(lines[1], "not created") {
		t.Errorf("table:\n%s", stdout)
	}
	if !strings.Contains(stdout, `Docker network "kind": 192.168.155.0/24, containers from 192.168.155.0/28`) {
		t.Errorf("table lacks the network line:\n%s", stdout)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	stdout, _, err := run(t, "version")
	if err != nil || !strings.HasPrefix(stdout, "localcluster ") {
		t.Fatalf("version: %v %q", err, stdout)
	}
	for _, want := range []string{"linkerd-control-plane, linkerd-multicluster 2026.8.3 from https://helm.linkerd.io/edge", "metallb 0.16.1 from https://metallb.github.io/metallb"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("version does not name the chart %q:\n%s", want, stdout)
		}
	}
	stdout, _, err = run(t, "completion", "bash")
	if err != nil || !strings.Contains(stdout, "__start_localcluster") {
		t.Fatalf("completion: %v %.200q", err, stdout)
	}
	stdout, _, err = run(t, "__complete", "create", "clusters/workshop", "smi")
	if err != nil || !strings.Contains(stdout, "smiley\n") || strings.Contains(stdout, "clusters/") {
		t.Fatalf("cluster name completion: %v %q", err, stdout)
	}
}

// certs for real: files made, the report says they are valid, a second
// run keeps them, and an issuer from another anchor fails the command.
func TestCertsReportAndMismatch(t *testing.T) {
	lab := t.TempDir()
	copyTree(t, "../../clusters/east-west", lab)
	trust := filepath.Join(t.TempDir(), "certs")
	stdout, stderr, err := run(t, "certs", "--trust-dir", trust, lab)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, want := range []string{"(trust anchor)", "root.linkerd.cluster.local", "east", "identity.linkerd.cluster.local", "yes"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "NO") {
		t.Errorf("report has an invalid certificate:\n%s", stdout)
	}
	issuer := filepath.Join(lab, "east", "issuer.crt")
	before, err := os.ReadFile(issuer)
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err = run(t, "certs", "-o", "json", "--trust-dir", trust, lab)
	if err != nil || !strings.Contains(stderr, "all certificates kept") {
		t.Fatalf("second run: %v\n%s", err, stderr)
	}
	var report []CertReport
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("certs -o json: %v\n%s", err, stdout)
	}
	if len(report) != 3 || report[0].Subject != "CN=root.linkerd.cluster.local" || !report[1].Valid || report[1].DaysLeft < 360 {
		t.Errorf("report = %+v", report)
	}
	if after, _ := os.ReadFile(issuer); string(after) != string(before) {
		t.Error("second run changed the issuer")
	}
	// An issuer made under another anchor is refused, not replaced.
	other := filepath.Join(t.TempDir(), "other")
	if _, _, err := run(t, "certs", "--trust-dir", other, "--force", lab, "east"); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, "certs", "--trust-dir", trust, lab)
	if err == nil || ExitCode(err) != 1 || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("mismatched issuer: err = %v", err)
	}
	if _, _, err := run(t, "certs", "--trust-dir", trust, "--force", lab); err != nil {
		t.Fatalf("--force should remake the issuers: %v", err)
	}
}

func TestNothingToDoSaysSo(t *testing.T) {
	_, stderr, err := run(t, "route", "clusters/workshop", "cdn")
	if err != nil || stderr != "route: nothing to do for cdn\n" {
		t.Errorf("err = %v, stderr = %q", err, stderr)
	}
}
