package helm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/localcluster/localcluster/internal/testenv"
)

// The integration tests share two real kube-apiservers (one etcd), started
// on first use so that the unit tests run without them.
var shared struct {
	once    sync.Once
	servers []*testenv.APIServer
	stop    func()
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	os.Exit(code)
}

// apiServers returns the shared API servers "alpha" and "beta".
func apiServers(t *testing.T) []*testenv.APIServer {
	t.Helper()
	testenv.NeedAPIServers(t)
	shared.once.Do(func() {
		shared.servers, shared.stop, shared.err = testenv.StartShared("alpha", "beta")
	})
	if shared.err != nil {
		t.Fatalf("start API servers: %v", shared.err)
	}
	return shared.servers
}

func newTestClient(t *testing.T, s *testenv.APIServer, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithCacheDir(t.TempDir()), WithLogger(t.Logf)}, opts...)
	c, err := NewFromREST(s.RESTConfig, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func ensure(t *testing.T, c *Client, r Release, wantAction string, wantRevision int) {
	t.Helper()
	out, err := c.Ensure(testContext(t), r)
	if err != nil {
		t.Fatalf("Ensure(%s): %v", r.Name, err)
	}
	if out.Action != wantAction || out.Revision != wantRevision {
		t.Fatalf("Ensure(%s) = %+v, want {%s %d}", r.Name, out, wantAction, wantRevision)
	}
}

func configMapData(t *testing.T, s *testenv.APIServer, namespace, name string) map[string]string {
	t.Helper()
	cm, err := s.Clientset.CoreV1().ConfigMaps(namespace).Get(testContext(t), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get configmap %s/%s: %v", namespace, name, err)
	}
	return cm.Data
}

// releaseRecords counts the Secrets in which Helm keeps a release's revisions.
func releaseRecords(t *testing.T, s *testenv.APIServer, namespace, name string) int {
	t.Helper()
	list, err := s.Clientset.CoreV1().Secrets(namespace).List(testContext(t), metav1.ListOptions{
		LabelSelector: "owner=helm,name=" + name,
	})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// createCRDs creates the CRDs in a multi-document YAML file and waits until
// they are established.
func createCRDs(t *testing.T, s *testenv.APIServer, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(s.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	var names []string
	for _, doc := range strings.Split(string(data), "\n---\n") {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		_, err := dyn.Resource(crdResource).Create(ctx, obj, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create CRD %s: %v", obj.GetName(), err)
		}
		names = append(names, obj.GetName())
	}
	for _, name := range names {
		if err := waitEstablished(ctx, dyn, name); err != nil {
			t.Fatal(err)
		}
	}
}

func waitEstablished(ctx context.Context, dyn dynamic.Interface, name string) error {
	for {
		crd, err := dyn.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("CRD %s not established", name), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func getObject(t *testing.T, s *testenv.APIServer, gvr schema.GroupVersionResource, namespace, name string) *unstructured.Unstructured {
	t.Helper()
	dyn, err := dynamic.NewForConfig(s.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := dyn.Resource(gvr).Namespace(namespace).Get(testContext(t), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s %s/%s: %v", gvr.Resource, namespace, name, err)
	}
	return obj
}
