package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// preloadChart is a stand-in for MetalLB's chart (which cannot be
// downloaded here): a Deployment and a pre-install hook Job, their images
// from values.
const preloadChart = `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: main, image: "{{ .Values.image }}"}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: hook
  annotations: {helm.sh/hook: pre-install}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: "{{ .Values.hookImage }}"}]
`

// preloadLab adds to the stand-in lab in dir a lab.yaml whose MetalLB
// chart is the stand-in above running image (and, in its hook, hookImage)
// and whose Linkerd charts are internal/mesh's stand-ins, with no pods.
func preloadLab(t *testing.T, dir, image, hookImage string) {
	t.Helper()
	linkerd, err := filepath.Abs(filepath.Join("internal", "mesh", "testdata", "charts"))
	if err != nil {
		t.Fatal(err)
	}
	chart := filepath.Join(dir, "charts", "metallb")
	writeFiles(t, dir, map[string]string{
		"charts/metallb/Chart.yaml":         "apiVersion: v2\nname: metallb\nversion: 0.1.0\n",
		"charts/metallb/values.yaml":        fmt.Sprintf("image: %s\nhookImage: %s\n", image, hookImage),
		"charts/metallb/templates/app.yaml": preloadChart,
		"lab.yaml": fmt.Sprintf("kind: SMA-lab\napiVersion: sma.buoyant.io/v1alpha1\nspec:\n  cache:\n    enabled: false\n"+
			"  metallb:\n    repo: %s\n  linkerd:\n    repo: %s\n    version: \"2026.8.3\"\n", chart, linkerd),
	})
}

// TestImagesPreloadStandInNodes runs images list, images preload --dryrun
// and images preload on two stand-in kind nodes (see
// TestImagesLoadStandInNodes), with the image the stand-in chart names in
// the host's Docker: listed once though two templates run it, not pulled,
// then loaded by kind's library as images load does (or, where Docker
// refuses privileged exec, every cluster's load tried and failing there).
func TestImagesPreloadStandInNodes(t *testing.T) {
	imagesPreconditions(t)
	dir, nodes := standInLab(t, 2)
	t.Chdir("../..") // the repository root, where runWithDocker runs
	preloadLab(t, dir, testNodeImage, testNodeImage)

	out, _, err := runWithDocker(t, "images", "list", dir)
	if err != nil || out != testNodeImage+"\n" {
		t.Fatalf("images list: %q, %v; want %s once", out, err, testNodeImage)
	}
	out, _, err = runWithDocker(t, "images", "preload", "--dryrun", dir)
	if want := "docker image inspect " + testNodeImage + " >/dev/null 2>&1 || docker pull " + testNodeImage; err != nil || !strings.Contains(out, want) {
		t.Errorf("preload --dryrun (%v) lacks %q:\n%s", err, want, out)
	}

	want := savedSize(t, testNodeImage)
	_, stderr, err := runWithDocker(t, "images", "preload", dir)
	if !strings.Contains(stderr, "✓ Ensure the host's Docker has the lab's 1 image: all there") {
		t.Errorf("the image in the host's Docker was not used as it is:\n%s", stderr)
	}
	if err != nil {
		if ExitCode(err) != 1 || !strings.Contains(stderr, "2 failed") {
			t.Fatalf("exit code %d, not every cluster tried: %v\n%s", ExitCode(err), err, stderr)
		}
		for _, n := range nodes {
			if !strings.Contains(err.Error(), "docker exec --privileged "+n+" containerd config dump") {
				t.Errorf("error does not show kind's loader reaching %s: %v", n, err)
			}
		}
		t.Logf("this Docker refuses privileged exec, so kind's loader stops before streaming: %v", err)
		return
	}
	for _, n := range nodes {
		if got := importedSize(t, n); got != want {
			t.Errorf("%s received %d bytes, want the %d of docker save", n, got, want)
		}
	}
}

// TestImagesPreloadOffline: an image the host's Docker lacks and cannot
// pull (its registry does not resolve, as offline) fails the run, naming
// the image and how to bring it in; nothing is saved or loaded.
func TestImagesPreloadOffline(t *testing.T) {
	imagesPreconditions(t)
	dir, _ := standInLab(t, 1)
	t.Chdir("../..")
	missing := "localcluster-test.invalid/missing:v1"
	preloadLab(t, dir, testNodeImage, missing)
	_, stderr, err := runWithDocker(t, "images", "preload", dir)
	if ExitCode(err) != 1 {
		t.Fatalf("exit code %d (%v), want 1\n%s", ExitCode(err), err, stderr)
	}
	for _, s := range []string{"the host's Docker lacks 1 image and could not pull them", "\n  " + missing + "\n", "docker load -i FILE"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, err)
		}
	}
	t.Logf("%v", err)
	if strings.Contains(stderr, "✓ Save") {
		t.Errorf("images were saved after the pull failed:\n%s", stderr)
	}
}
