package mesh

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// readyPoll is how often WaitReady looks.
const readyPoll = time.Second

// NotReady is one workload or pod that kept WaitReady waiting.
type NotReady struct {
	Kind, Name string // "Pod" or "Deployment"
	Reason     string
}

// NotReadyError is WaitReady's error on timeout.
type NotReadyError struct {
	Namespace string
	Timeout   time.Duration
	Items     []NotReady
}

func (e *NotReadyError) Error() string {
	parts := make([]string, len(e.Items))
	for i, it := range e.Items {
		parts[i] = fmt.Sprintf("%s %s: %s", strings.ToLower(it.Kind), it.Name, it.Reason)
	}
	return fmt.Sprintf("namespace %s not ready after %s: %s", e.Namespace, e.Timeout, strings.Join(parts, "; "))
}

// WaitReady waits until every Deployment in namespace has all its replicas
// available and every pod is ready (or has completed, as Jobs' pods do).
// On timeout it returns a *NotReadyError naming each laggard and why, e.g.
// "pod linkerd-destination-x: container destination: ImagePullBackOff" or
// "deployment linkerd-gateway: 0/1 replicas available, no pods".
func WaitReady(ctx context.Context, cs kubernetes.Interface, namespace string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var items []NotReady
	for {
		// API calls get their own time limit, so the last look before the
		// deadline is not cut short by it.
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		found, err := notReady(callCtx, cs, namespace)
		cancel()
		if err == nil && len(found) == 0 {
			return nil
		}
		if err == nil {
			items = found
		}
		if ctx.Err() != nil {
			return fmt.Errorf("wait for namespace %s: %w", namespace, ctx.Err())
		}
		left := time.Until(deadline)
		if left <= 0 {
			if items == nil {
				return fmt.Errorf("wait for namespace %s: %w", namespace, err)
			}
			return &NotReadyError{Namespace: namespace, Timeout: timeout, Items: items}
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(readyPoll, left)):
		}
	}
}

func notReady(ctx context.Context, cs kubernetes.Interface, namespace string) ([]NotReady, error) {
	deploys, err := cs.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	items := []NotReady{}
	for i := range deploys.Items {
		if r := deploymentReason(&deploys.Items[i], pods.Items); r != "" {
			items = append(items, NotReady{Kind: "Deployment", Name: deploys.Items[i].Name, Reason: r})
		}
	}
	for i := range pods.Items {
		if r := podReason(&pods.Items[i]); r != "" {
			items = append(items, NotReady{Kind: "Pod", Name: pods.Items[i].Name, Reason: r})
		}
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].Kind != items[j].Kind {
			return items[i].Kind < items[j].Kind
		}
		return items[i].Name < items[j].Name
	})
	return items, nil
}

// deploymentReason is "" for a Deployment whose replicas are all available.
// It mentions a missing pod, since then no pod reason will explain it.
func deploymentReason(d *appsv1.Deployment, pods []corev1.Pod) string {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	if d.Status.AvailableReplicas >= want && d.Status.ObservedGeneration >= d.Generation {
		return ""
	}
	r := fmt.Sprintf("%d/%d replicas available", d.Status.AvailableReplicas, want)
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return r
	}
	for _, p := range pods {
		if sel.Matches(labels.Set(p.Labels)) {
			return r
		}
	}
	for _, c := range d.Status.Conditions {
		if c.Status == corev1.ConditionFalse && c.Message != "" {
			return r + ", no pods: " + c.Message
		}
	}
	return r + ", no pods"
}

// podReason is "" for a ready or completed pod, else the most specific
// reason the pod's status gives.
func podReason(p *corev1.Pod) string {
	if p.Status.Phase == corev1.PodSucceeded {
		return ""
	}
	if p.Status.Phase == corev1.PodFailed {
		return "failed: " + firstNonEmpty(p.Status.Message, p.Status.Reason, "no reason given")
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return ""
		}
	}
	statuses := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, s := range statuses {
		if w := s.State.Waiting; w != nil && w.Reason != "" && w.Reason != "PodInitializing" && w.Reason != "ContainerCreating" {
			return fmt.Sprintf("container %s: %s", s.Name, joinNonEmpty(w.Reason, w.Message))
		}
		if t := s.State.Terminated; t != nil && t.ExitCode != 0 {
			return fmt.Sprintf("container %s: exited %d: %s", s.Name, t.ExitCode, firstNonEmpty(t.Reason, t.Message))
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return "unschedulable: " + firstNonEmpty(c.Message, c.Reason)
		}
	}
	if p.Spec.NodeName == "" {
		return firstNonEmpty(string(p.Status.Phase), "Pending") + ": not scheduled"
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionFalse {
			return "not ready: " + firstNonEmpty(c.Message, c.Reason, "readiness probe failing")
		}
	}
	return firstNonEmpty(string(p.Status.Phase), "Pending") + ": not ready"
}

func joinNonEmpty(s ...string) string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return strings.Join(out, ": ")
}
