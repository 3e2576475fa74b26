package mesh

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestBareCluster runs against an API server without Linkerd.
func TestBareCluster(t *testing.T) {
	skipShort(t)
	l := startLab(t, "bare")
	bare := l.servers["bare"]
	ctx := context.Background()

	t.Run("links need the multicluster extension", func(t *testing.T) {
		objs := &LinkObjects{Target: "east", Kubeconfig: []byte("apiVersion: v1\nkind: Config\n"), Link: Link{Name: "east"}}
		_, err := ApplyLink(ctx, bare.RESTConfig, objs)
		if err == nil || !strings.Contains(err.Error(), "namespace linkerd-multicluster does not exist") {
			t.Errorf("ApplyLink into a cluster without Linkerd: %v", err)
		}
		if _, err := GenerateLink(ctx, l.endpoint("bare", ""), false); err == nil || !strings.Contains(err.Error(), "install Linkerd first") {
			t.Errorf("GenerateLink from a cluster without Linkerd: %v", err)
		}
		if changed, err := Unlink(ctx, bare.RESTConfig, "east"); err != nil || changed {
			t.Errorf("Unlink of nothing = %v, %v; want unchanged, no error", changed, err)
		}
	})

	t.Run("WaitReady", func(t *testing.T) {
		const ns = "ready"
		if _, err := bare.Clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := WaitReady(ctx, bare.Clientset, ns, 2*time.Second); err != nil {
			t.Fatalf("empty namespace: %v", err)
		}
		labels := map[string]string{"app": "web"}
		deploy := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1"}}},
				},
			},
		}
		deploy, err := bare.Clientset.AppsV1().Deployments(ns).Create(ctx, deploy, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		err = WaitReady(ctx, bare.Clientset, ns, 2*time.Second)
		var nr *NotReadyError
		if !errors.As(err, &nr) || len(nr.Items) != 1 || nr.Items[0] != (NotReady{Kind: "Deployment", Name: "web", Reason: "0/1 replicas available, no pods"}) {
			t.Fatalf("WaitReady with a Deployment and no pods: %v", err)
		}

		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: ns, Labels: labels}, Spec: deploy.Spec.Template.Spec}
		if pod, err = bare.Clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		err = WaitReady(ctx, bare.Clientset, ns, 2*time.Second)
		want := "namespace ready not ready after 2s: deployment web: 0/1 replicas available; pod web-1: Pending: not scheduled"
		if err == nil || err.Error() != want {
			t.Fatalf("WaitReady with an unscheduled pod:\n got %v\nwant %s", err, want)
		}

		// What kubelet and the deployment controller would report.
		pod.Spec.NodeName = "node"
		pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "web", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "no registry"}},
		}}}
		if pod, err = bare.Clientset.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		err = WaitReady(ctx, bare.Clientset, ns, 2*time.Second)
		if err == nil || !strings.Contains(err.Error(), "pod web-1: container web: ImagePullBackOff: no registry") {
			t.Fatalf("WaitReady with a pod that cannot pull: %v", err)
		}
		pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
		if _, err = bare.Clientset.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		deploy.Status = appsv1.DeploymentStatus{ObservedGeneration: deploy.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1}
		if _, err = bare.Clientset.AppsV1().Deployments(ns).UpdateStatus(ctx, deploy, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := WaitReady(ctx, bare.Clientset, ns, 5*time.Second); err != nil {
			t.Errorf("WaitReady when all is ready: %v", err)
		}
	})
}
