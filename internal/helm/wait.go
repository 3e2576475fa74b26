package helm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// WaitError says that a release's objects were not ready in time, and which
// objects in its namespace were not.
type WaitError struct {
	Release, Namespace string
	Timeout            time.Duration
	// NotReady has one line per workload or pod that is not ready, e.g.
	// "deployment web: 0 of 1 replicas available" or
	// "pod web-5d9c-x2x: container web: ImagePullBackOff: …".
	NotReady []string
	Err      error // Helm's own error
}

func (e *WaitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "release %s in namespace %s was not ready within %s (%v)", e.Release, e.Namespace, e.Timeout, e.Err)
	if len(e.NotReady) == 0 {
		fmt.Fprintf(&b, "; everything in namespace %s looks ready now", e.Namespace)
		return b.String()
	}
	b.WriteString("; not ready:")
	for _, line := range e.NotReady {
		b.WriteString("\n  " + line)
	}
	return b.String()
}

func (e *WaitError) Unwrap() error { return e.Err }

// isTimeout recognises Helm's waiter giving up.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || wait.Interrupted(err) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "context deadline exceeded") || strings.Contains(msg, "timed out waiting for the condition")
}

func (c *Client) waitError(r Release, err error) error {
	// The caller's context is still live but may be close to its end;
	// diagnosis is best effort and must not hang.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	notReady, lerr := notReady(ctx, c.clientset, r.Namespace)
	if lerr != nil {
		notReady = append(notReady, fmt.Sprintf("(could not list everything: %v)", lerr))
	}
	return &WaitError{Release: r.Name, Namespace: r.Namespace, Timeout: r.timeout(), NotReady: notReady, Err: err}
}

// maxPods bounds the pod lines of a WaitError.
const maxPods = 20

// notReady lists the workloads without their replicas and the pods that are
// not ready in a namespace, workloads first, each sorted by name.
func notReady(ctx context.Context, cs kubernetes.Interface, namespace string) ([]string, error) {
	var (
		lines []string
		errs  []error
	)
	list := metav1.ListOptions{}
	if deps, err := cs.AppsV1().Deployments(namespace).List(ctx, list); err != nil {
		errs = append(errs, err)
	} else {
		for _, d := range deps.Items {
			if line := deploymentProblem(d); line != "" {
				lines = append(lines, line)
			}
		}
	}
	if sets, err := cs.AppsV1().StatefulSets(namespace).List(ctx, list); err != nil {
		errs = append(errs, err)
	} else {
		for _, s := range sets.Items {
			if want := replicas(s.Spec.Replicas); s.Status.ReadyReplicas < want {
				lines = append(lines, fmt.Sprintf("statefulset %s: %d of %d replicas ready", s.Name, s.Status.ReadyReplicas, want))
			}
		}
	}
	if sets, err := cs.AppsV1().DaemonSets(namespace).List(ctx, list); err != nil {
		errs = append(errs, err)
	} else {
		for _, d := range sets.Items {
			if d.Status.NumberReady < d.Status.DesiredNumberScheduled {
				lines = append(lines, fmt.Sprintf("daemonset %s: %d of %d pods ready", d.Name, d.Status.NumberReady, d.Status.DesiredNumberScheduled))
			}
		}
	}
	sort.Strings(lines)

	pods, err := cs.CoreV1().Pods(namespace).List(ctx, list)
	if err != nil {
		return lines, errors.Join(append(errs, err)...)
	}
	var podLines []string
	for _, p := range pods.Items {
		if line := podProblem(p); line != "" {
			podLines = append(podLines, line)
		}
	}
	sort.Strings(podLines)
	if len(podLines) > maxPods {
		podLines = append(podLines[:maxPods], fmt.Sprintf("… and %d more pods", len(podLines)-maxPods))
	}
	return append(lines, podLines...), errors.Join(errs...)
}

func replicas(n *int32) int32 {
	if n == nil {
		return 1
	}
	return *n
}

func deploymentProblem(d appsv1.Deployment) string {
	want := replicas(d.Spec.Replicas)
	if d.Status.AvailableReplicas >= want {
		return ""
	}
	line := fmt.Sprintf("deployment %s: %d of %d replicas available", d.Name, d.Status.AvailableReplicas, want)
	if d.Status.ObservedGeneration == 0 {
		return line + " (no deployment controller has acted on it)"
	}
	for _, cond := range d.Status.Conditions {
		if cond.Status == corev1.ConditionFalse && cond.Message != "" {
			line += fmt.Sprintf("; %s: %s", cond.Reason, shorten(cond.Message))
		}
	}
	return line
}

// podProblem says why a pod is not ready, or "" if it is ready or done.
func podProblem(p corev1.Pod) string {
	if p.Status.Phase == corev1.PodSucceeded || podReady(p) {
		return ""
	}
	var why []string
	statuses := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, cs := range statuses {
		switch st := cs.State; {
		case st.Waiting != nil && st.Waiting.Reason != "" && st.Waiting.Reason != "PodInitializing":
			msg := fmt.Sprintf("container %s: %s", cs.Name, st.Waiting.Reason)
			if st.Waiting.Message != "" {
				msg += ": " + shorten(st.Waiting.Message)
			}
			why = append(why, msg)
		case st.Terminated != nil && st.Terminated.ExitCode != 0:
			why = append(why, fmt.Sprintf("container %s: %s (exit code %d)", cs.Name, st.Terminated.Reason, st.Terminated.ExitCode))
		case st.Running != nil && !cs.Ready:
			why = append(why, fmt.Sprintf("container %s: running, not ready", cs.Name))
		}
	}
	if len(why) == 0 {
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse {
				why = append(why, fmt.Sprintf("not scheduled: %s: %s", cond.Reason, shorten(cond.Message)))
			}
		}
	}
	if len(why) == 0 {
		phase := p.Status.Phase
		if phase == "" {
			phase = corev1.PodPending
		}
		why = append(why, "phase "+string(phase))
	}
	return fmt.Sprintf("pod %s: %s", p.Name, strings.Join(why, "; "))
}

func podReady(p corev1.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const limit = 200
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}
