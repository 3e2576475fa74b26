package helm

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestParallelEnsure ensures releases into two API servers at once, several
// per server through the same Client, from a chart repository, an OCI
// registry and a local directory, all sharing one chart cache. Run with
// -race to check that nothing is shared unsafely.
func TestParallelEnsure(t *testing.T) {
	servers := apiServers(t)
	cr := newChartRepo(t, "greeter")
	reg := newTestRegistry(t, "charts/greeter", "greeter")
	// One transport trusting both test servers' certificates.
	transport := cr.transport().Clone()
	transport.TLSClientConfig.RootCAs.AddCert(reg.Certificate())

	cache := t.TempDir()
	sources := []Chart{
		{Repo: cr.URL, Name: "greeter", Version: "0.2.0"},
		{Repo: "oci://" + strings.TrimPrefix(reg.URL, "https://") + "/charts", Name: "greeter", Version: "0.2.0"},
		{Repo: "testdata/charts", Name: "greeter"},
	}
	type job struct {
		client  *Client
		release Release
	}
	var jobs []job
	for _, s := range servers {
		c := newTestClient(t, s, WithCacheDir(cache), withTransport(transport))
		for i, src := range sources {
			jobs = append(jobs, job{c, Release{
				Name: fmt.Sprintf("g%d", i), Namespace: "parallel", Chart: src, CreateNamespace: true,
				Values: map[string]any{"greeting": "hello " + s.Name},
			}})
		}
	}

	run := func(wantAction string) {
		t.Helper()
		var wg sync.WaitGroup
		outcomes := make([]Outcome, len(jobs))
		errs := make([]error, len(jobs))
		for i, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outcomes[i], errs[i] = j.client.Ensure(testContext(t), j.release)
			}()
		}
		wg.Wait()
		for i, j := range jobs {
			if errs[i] != nil {
				t.Errorf("Ensure(%s from %s): %v", j.release.Name, j.release.Chart, errs[i])
			} else if outcomes[i] != (Outcome{Action: wantAction, Revision: 1}) {
				t.Errorf("Ensure(%s from %s) = %+v, want {%s 1}", j.release.Name, j.release.Chart, outcomes[i], wantAction)
			}
		}
	}
	run(Installed)
	run(Unchanged)

	for _, s := range servers {
		for i := range sources {
			data := configMapData(t, s, "parallel", fmt.Sprintf("g%d-values", i))
			if !strings.Contains(data["values.yaml"], "greeting: hello "+s.Name) {
				t.Errorf("%s: configmap g%d-values = %q, want the greeting for %s", s.Name, i, data["values.yaml"], s.Name)
			}
		}
	}
}
