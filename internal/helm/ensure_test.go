package helm

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var widgetResource = schema.GroupVersionResource{Group: "test.localcluster.io", Version: "v1", Resource: "widgets"}

func widgetsRelease(values map[string]any) Release {
	return Release{
		Name: "w", Namespace: "lifecycle",
		Chart:           Chart{Repo: "testdata/charts", Name: "widgets", Version: "0.1.0"},
		Values:          values,
		CreateNamespace: true,
	}
}

// TestEnsureLifecycle installs a chart with a CRD in crds/, a ConfigMap and a
// custom resource of that CRD, then re-ensures, upgrades and uninstalls it.
func TestEnsureLifecycle(t *testing.T) {
	s := apiServers(t)[0]
	c := newTestClient(t, s)

	ensure(t, c, widgetsRelease(map[string]any{"greeting": "hi", "size": 2}), Installed, 1)
	if got := configMapData(t, s, "lifecycle", "w-config"); got["greeting"] != "hi" || got["size"] != "2" {
		t.Errorf("configmap after install = %v", got)
	}
	widget := getObject(t, s, widgetResource, "lifecycle", "w")
	if size, _, _ := unstructured.NestedInt64(widget.Object, "spec", "size"); size != 2 {
		t.Errorf("widget spec.size = %d, want 2", size)
	}

	// The same values, as other Go types and in another order.
	ensure(t, c, widgetsRelease(map[string]interface{}{"size": 2.0, "greeting": "hi"}), Unchanged, 1)
	if n := releaseRecords(t, s, "lifecycle", "w"); n != 1 {
		t.Errorf("%d release revisions stored after an unchanged Ensure, want 1", n)
	}

	ensure(t, c, widgetsRelease(map[string]any{"greeting": "hey", "size": 3}), Upgraded, 2)
	if got := configMapData(t, s, "lifecycle", "w-config"); got["greeting"] != "hey" || got["size"] != "3" {
		t.Errorf("configmap after upgrade = %v", got)
	}
	vals, err := c.DeployedValues(testContext(t), "w", "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"greeting": "hey", "size": 3.0}; !reflect.DeepEqual(vals, want) {
		t.Errorf("DeployedValues = %#v, want %#v", vals, want)
	}

	// No values means the chart's defaults, not the previous values.
	ensure(t, c, widgetsRelease(nil), Upgraded, 3)
	if got := configMapData(t, s, "lifecycle", "w-config"); got["greeting"] != "hello" {
		t.Errorf("configmap after upgrade to no values = %v, want the chart's greeting hello", got)
	}
	ensure(t, c, widgetsRelease(map[string]any{}), Unchanged, 3)

	removed, err := c.Uninstall(testContext(t), "w", "lifecycle")
	if err != nil || !removed {
		t.Fatalf("Uninstall = %v, %v; want true, nil", removed, err)
	}
	_, err = s.Clientset.CoreV1().ConfigMaps("lifecycle").Get(testContext(t), "w-config", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("configmap after uninstall: err = %v, want not found", err)
	}
	if removed, err := c.Uninstall(testContext(t), "w", "lifecycle"); err != nil || removed {
		t.Errorf("second Uninstall = %v, %v; want false, nil", removed, err)
	}
	if vals, err := c.DeployedValues(testContext(t), "w", "lifecycle"); err != nil || vals != nil {
		t.Errorf("DeployedValues after uninstall = %v, %v; want nil, nil", vals, err)
	}
	ensure(t, c, widgetsRelease(nil), Installed, 1)
}

// TestEnsureNoticesChartChanges edits a local chart without and then with a
// version bump.
func TestEnsureNoticesChartChanges(t *testing.T) {
	s := apiServers(t)[0]
	c := newTestClient(t, s)
	dir := filepath.Join(t.TempDir(), "greeter")
	if err := os.CopyFS(dir, os.DirFS("testdata/charts/greeter")); err != nil {
		t.Fatal(err)
	}
	r := Release{Name: "g", Namespace: "edits", Chart: Chart{Repo: dir}, CreateNamespace: true}
	ensure(t, c, r, Installed, 1)
	ensure(t, c, r, Unchanged, 1)

	tmpl := filepath.Join(dir, "templates", "configmap.yaml")
	data, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "\ndata:", "\ndata:\n  edited: \"yes\"", 1)
	if err := os.WriteFile(tmpl, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	ensure(t, c, r, Upgraded, 2)
	if got := configMapData(t, s, "edits", "g-values"); got["edited"] != "yes" {
		t.Errorf("configmap after template edit = %v", got)
	}

	chartFile := filepath.Join(dir, "Chart.yaml")
	data, err = os.ReadFile(chartFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chartFile, []byte(strings.Replace(string(data), "0.2.0", "0.2.1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	ensure(t, c, r, Upgraded, 3)
	ensure(t, c, r, Unchanged, 3)
}

var (
	poolResource = schema.GroupVersionResource{Group: "metallb.io", Version: "v1beta1", Resource: "ipaddresspools"}
	l2Resource   = schema.GroupVersionResource{Group: "metallb.io", Version: "v1beta1", Resource: "l2advertisements"}
)

// TestLBPoolChart installs the embedded lb-pool chart against stand-ins for
// MetalLB's CRDs (MetalLB's chart cannot be fetched here).
func TestLBPoolChart(t *testing.T) {
	s := apiServers(t)[0]
	createCRDs(t, s, filepath.Join("testdata", "crds", "metallb-standin.yaml"))
	c := newTestClient(t, s)

	pools := []string{"192.168.155.80/28", "fc00:f853:ccd:e793:51::/96"}
	r := LBPoolRelease(pools)
	r.CreateNamespace = true // MetalLB's release creates it in a real lab
	ensure(t, c, r, Installed, 1)

	pool := getObject(t, s, poolResource, MetalLBNamespace, "localcluster")
	addresses, _, _ := unstructured.NestedStringSlice(pool.Object, "spec", "addresses")
	if !reflect.DeepEqual(addresses, pools) {
		t.Errorf("IPAddressPool spec.addresses = %q, want %q", addresses, pools)
	}
	if auto, found, _ := unstructured.NestedBool(pool.Object, "spec", "autoAssign"); !found || !auto {
		t.Errorf("IPAddressPool spec.autoAssign = %v (found %v), want true", auto, found)
	}
	adv := getObject(t, s, l2Resource, MetalLBNamespace, "localcluster")
	if got, _, _ := unstructured.NestedStringSlice(adv.Object, "spec", "ipAddressPools"); !reflect.DeepEqual(got, []string{"localcluster"}) {
		t.Errorf("L2Advertisement spec.ipAddressPools = %q, want [localcluster]", got)
	}

	ensure(t, c, LBPoolRelease(pools), Unchanged, 1)
	ensure(t, c, LBPoolRelease(pools[:1]), Upgraded, 2)
	pool = getObject(t, s, poolResource, MetalLBNamespace, "localcluster")
	if addresses, _, _ := unstructured.NestedStringSlice(pool.Object, "spec", "addresses"); !reflect.DeepEqual(addresses, pools[:1]) {
		t.Errorf("IPAddressPool spec.addresses after upgrade = %q, want %q", addresses, pools[:1])
	}

	empty := LBPoolRelease(nil)
	empty.Namespace = "lb-empty"
	empty.CreateNamespace = true
	_, err := c.Ensure(testContext(t), empty)
	if err == nil || !strings.Contains(err.Error(), "pools must list at least one address range") {
		t.Errorf("Ensure(no pools) error = %v, want the chart's complaint about pools", err)
	}
}

// TestWaitTimeout waits for a Deployment that cannot become ready: no
// controller runs here to make its Pods.
func TestWaitTimeout(t *testing.T) {
	s := apiServers(t)[0]
	c := newTestClient(t, s)
	ctx := testContext(t)

	// A pod stuck pulling its image, as a kubelet would report it.
	if _, err := s.Clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "stuck"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod, err := s.Clientset.CoreV1().Pods("stuck").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "puller"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.invalid/app:1"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status = corev1.PodStatus{
		Phase:      corev1.PodPending,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}},
		ContainerStatuses: []corev1.ContainerStatus{{
			Name: "app", Image: "registry.invalid/app:1",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason: "ImagePullBackOff", Message: `Back-off pulling image "registry.invalid/app:1"`,
			}},
		}},
	}
	if _, err := s.Clientset.CoreV1().Pods("stuck").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	r := Release{
		Name: "s", Namespace: "stuck", Chart: Chart{Repo: "testdata/charts/stuck"},
		CreateNamespace: true, Wait: true, Timeout: 3 * time.Second,
	}
	_, err = c.Ensure(ctx, r)
	var werr *WaitError
	if !errors.As(err, &werr) {
		t.Fatalf("Ensure error = %v, want a *WaitError", err)
	}
	t.Logf("wait error:\n%v", err)
	want := []string{
		"deployment s-web: 0 of 1 replicas available (no deployment controller has acted on it)",
		`pod puller: container app: ImagePullBackOff: Back-off pulling image "registry.invalid/app:1"`,
	}
	if !reflect.DeepEqual(werr.NotReady, want) {
		t.Errorf("NotReady = %q, want %q", werr.NotReady, want)
	}
	if msg := err.Error(); !strings.Contains(msg, "release s in namespace stuck was not ready within 3s") || !strings.Contains(msg, "s-web") {
		t.Errorf("error message lacks the release or the deployment:\n%s", msg)
	}

	// The failed install is upgraded by the next Ensure.
	r.Wait = false
	ensure(t, c, r, Upgraded, 2)
}

// TestPendingRelease finds a release left pending, as by an interrupted helm.
func TestPendingRelease(t *testing.T) {
	s := apiServers(t)[0]
	c, err := New(s.Kubeconfig, s.Name, WithCacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	r := Release{Name: "p", Namespace: "pending", Chart: Chart{Repo: "testdata/charts/greeter"}, CreateNamespace: true}
	ensure(t, c, r, Installed, 1)

	cfg, err := c.actionConfig("pending")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := cfg.Releases.Last("p")
	if err != nil {
		t.Fatal(err)
	}
	rel.Info.Status = release.StatusPendingUpgrade
	if err := cfg.Releases.Update(rel); err != nil {
		t.Fatal(err)
	}
	_, err = c.Ensure(testContext(t), r)
	want := "release p in namespace pending is pending-upgrade (revision 1): another helm operation is running on it, " +
		"or one was interrupted; if none is running, roll it back with `helm rollback p --kube-context alpha --namespace pending` and try again"
	if err == nil || err.Error() != want {
		t.Errorf("Ensure error = %v\nwant %s", err, want)
	}
}

// TestPendingReleaseRecovered: with WithInterruptedRecovery, a release left
// pending by a killed run (pending-install of its first revision, or
// pending-upgrade of a later one) is marked failed and upgraded from; the
// history keeps the interrupted revision, superseded.
func TestPendingReleaseRecovered(t *testing.T) {
	s := apiServers(t)[0]
	c, err := New(s.Kubeconfig, s.Name, WithCacheDir(t.TempDir()), WithInterruptedRecovery())
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []release.Status{release.StatusPendingInstall, release.StatusPendingUpgrade} {
		t.Run(string(status), func(t *testing.T) {
			ns := "recover-" + string(status)
			r := Release{Name: "p", Namespace: ns, Chart: Chart{Repo: "testdata/charts/greeter"}, CreateNamespace: true}
			ensure(t, c, r, Installed, 1)
			cfg, err := c.actionConfig(ns)
			if err != nil {
				t.Fatal(err)
			}
			rel, err := cfg.Releases.Last("p")
			if err != nil {
				t.Fatal(err)
			}
			rel.Info.Status = status
			if err := cfg.Releases.Update(rel); err != nil {
				t.Fatal(err)
			}
			out, err := c.Ensure(testContext(t), r)
			if err != nil || out.Action != Upgraded || out.Revision != 2 || out.Recovered != string(status) {
				t.Fatalf("Ensure after %s: %+v, %v; want upgraded to revision 2, recovered %s", status, out, err, status)
			}
			h, err := cfg.Releases.History("p")
			if err != nil {
				t.Fatal(err)
			}
			got := map[int]release.Status{}
			for _, r := range h {
				got[r.Version] = r.Info.Status
			}
			if len(got) != 2 || got[1] != release.StatusSuperseded || got[2] != release.StatusDeployed {
				t.Errorf("history after recovery: %v, want 1 superseded (helm's upgrade does that to the failed revision), 2 deployed", got)
			}
			ensure(t, c, r, Unchanged, 2)
		})
	}
}

func TestNewUnknownContext(t *testing.T) {
	s := apiServers(t)[0]
	_, err := New(s.Kubeconfig, "no-such-context")
	if err == nil || !strings.Contains(err.Error(), `kube context "no-such-context"`) {
		t.Errorf("New(unknown context) error = %v", err)
	}
}
