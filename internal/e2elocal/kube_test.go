//go:build e2elocal

package e2elocal

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// client connects to the cluster through the context localcluster made in
// the lab's kubeconfig.
func (l *lab) client(t *testing.T, c labCluster) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: l.kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: c.name},
	).ClientConfig()
	if err != nil {
		t.Fatalf("kubeconfig context %s: %v", c.name, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// waitNodeReady waits for the cluster's one node to be Ready (the kubelet
// runs and the CNI installer wrote its configuration) and returns it.
func waitNodeReady(ctx context.Context, t *testing.T, cs kubernetes.Interface, c labCluster) *corev1.Node {
	t.Helper()
	var node *corev1.Node
	var last string
	err := wait.PollUntilContextTimeout(ctx, 2*time.Second, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		n, err := cs.CoreV1().Nodes().Get(ctx, c.container(), metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		node = n
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				last = fmt.Sprintf("Ready=%s: %s", cond.Status, cond.Message)
				return cond.Status == corev1.ConditionTrue, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("node %s not ready: %v (last: %s)", c.container(), err, last)
	}
	return node
}

// createPod creates a pod, retrying while the namespace's default service
// account does not exist yet (the token controller makes it shortly after
// the cluster starts).
func createPod(ctx context.Context, t *testing.T, cs kubernetes.Interface, pod *corev1.Pod) {
	t.Helper()
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, 2*time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, lastErr = cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
		if lastErr == nil || apierrors.IsAlreadyExists(lastErr) {
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("create pod %s: %v (last: %v)", pod.Name, err, lastErr)
	}
}

// busyboxPod is a pod of the node image's busybox that runs script.
func busyboxPod(name, script string, restart corev1.RestartPolicy) *corev1.Pod {
	grace := int64(0)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec: corev1.PodSpec{
			RestartPolicy:                 restart,
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name:            name,
				Image:           podImage,
				ImagePullPolicy: corev1.PullNever,
				Command:         []string{"/bin/sh", "-c", script},
			}},
		},
	}
}

// waitPod waits until done says the pod is where the caller wants it.
func waitPod(ctx context.Context, t *testing.T, cs kubernetes.Interface, name string, timeout time.Duration, done func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var pod *corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		p, err := cs.CoreV1().Pods(metav1.NamespaceDefault).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		pod = p
		return done(p), nil
	})
	if err != nil {
		state := "not found"
		if pod != nil {
			state = fmt.Sprintf("phase %s, conditions %+v, containers %+v", pod.Status.Phase, pod.Status.Conditions, pod.Status.ContainerStatuses)
		}
		t.Fatalf("pod %s: %v: %s", name, err, state)
	}
	return pod
}

// startServer runs, in cluster c, a web server that answers with greeting
// and logs every client address; it returns the pod's address.
func startServer(ctx context.Context, t *testing.T, cs kubernetes.Interface, c labCluster, greeting string) netip.Addr {
	t.Helper()
	script := fmt.Sprintf("mkdir -p /www && echo %s >/www/index.html && exec httpd -f -vv -p 8080 -h /www", greeting)
	createPod(ctx, t, cs, busyboxPod("server", script, corev1.RestartPolicyAlways))
	pod := waitPod(ctx, t, cs, "server", 3*time.Minute, func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && p.Status.PodIP != ""
	})
	ip, err := netip.ParseAddr(pod.Status.PodIP)
	if err != nil || !c.podCIDR.Contains(ip) {
		t.Fatalf("server pod in %s has address %q, want one in the pod subnet %s", c.name, pod.Status.PodIP, c.podCIDR)
	}
	return ip
}

// waitRestarted waits until pod name runs again in cluster c with a
// container started after since (the node was restarted), and returns its
// address, which may be a new one.
func waitRestarted(ctx context.Context, t *testing.T, cs kubernetes.Interface, c labCluster, name string, since time.Time) netip.Addr {
	t.Helper()
	pod := waitPod(ctx, t, cs, name, 5*time.Minute, func(p *corev1.Pod) bool {
		if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" || len(p.Status.ContainerStatuses) == 0 {
			return false
		}
		run := p.Status.ContainerStatuses[0].State.Running
		// Kubernetes keeps start times to the second.
		return run != nil && !run.StartedAt.Time.Before(since.Truncate(time.Second))
	})
	ip, err := netip.ParseAddr(pod.Status.PodIP)
	if err != nil || !c.podCIDR.Contains(ip) {
		t.Fatalf("pod %s in %s has address %q after the restart, want one in %s", name, c.name, pod.Status.PodIP, c.podCIDR)
	}
	return ip
}

// deletePod deletes pod name at once and waits until it is gone.
func deletePod(ctx context.Context, t *testing.T, cs kubernetes.Interface, name string) {
	t.Helper()
	zero := int64(0)
	err := cs.CoreV1().Pods(metav1.NamespaceDefault).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("delete pod %s: %v", name, err)
	}
	err = wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().Pods(metav1.NamespaceDefault).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("pod %s not gone: %v", name, err)
	}
}

// fetchFrom runs, in the cluster of cs, a pod that fetches the page of the
// server at addr, and returns what it got and the pod's own address.
func fetchFrom(ctx context.Context, t *testing.T, cs kubernetes.Interface, addr netip.Addr) (page string, client netip.Addr) {
	t.Helper()
	url := "http://" + netip.AddrPortFrom(addr, 8080).String() + "/index.html"
	// busybox's nc rather than its wget, which crashes in Debian's static
	// build; the page is the last line of the answer. A few tries: the
	// first packets toward the other cluster may meet an ARP lookup.
	script := fmt.Sprintf(`for i in 1 2 3 4 5; do
  if out=$(printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc -w 5 %s %d) && [ -n "$out" ]; then
    echo "$out" | tail -n 1
    exit 0
  fi
  sleep 2
done
exit 1`, addr, 8080)
	createPod(ctx, t, cs, busyboxPod("client", script, corev1.RestartPolicyNever))
	pod := waitPod(ctx, t, cs, "client", 3*time.Minute, func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
	})
	logs := podLogs(ctx, t, cs, "client")
	if pod.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("client pod could not fetch %s (phase %s); it said:\n%s", url, pod.Status.Phase, logs)
	}
	client, err := netip.ParseAddr(pod.Status.PodIP)
	if err != nil {
		t.Fatalf("client pod address %q: %v", pod.Status.PodIP, err)
	}
	return strings.TrimSpace(logs), client
}

func podLogs(ctx context.Context, t *testing.T, cs kubernetes.Interface, name string) string {
	t.Helper()
	raw, err := cs.CoreV1().Pods(metav1.NamespaceDefault).GetLogs(name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatalf("logs of pod %s: %v", name, err)
	}
	return string(raw)
}
