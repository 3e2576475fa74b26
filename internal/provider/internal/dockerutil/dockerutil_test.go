package dockerutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"github.com/localcluster/localcluster/internal/testenv"
)

// These tests run against this machine's Docker engine.

func newClient(t *testing.T) (*Client, context.Context) {
	t.Helper()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	_, err = c.api.Ping(ctx)
	testenv.Need(t, "the Docker engine", err)
	return c, ctx
}

func unique(t *testing.T) string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "lc-test-" + hex.EncodeToString(b)
}

func TestCheckNetwork(t *testing.T) {
	c, ctx := newClient(t)
	name := unique(t)
	err := c.CheckNetwork(ctx, name)
	if want := `docker network "` + name + `" does not exist: create the lab network first`; err == nil || err.Error() != want {
		t.Errorf("missing: %v, want %s", err, want)
	}
	var ids []string
	t.Cleanup(func() {
		for _, id := range ids {
			_ = c.api.NetworkRemove(context.Background(), id)
		}
	})
	// A longer name containing this one must not count (Docker's name
	// filter matches substrings).
	for _, n := range []string{name, name + "-other"} {
		r, err := c.api.NetworkCreate(ctx, n, network.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if err := c.CheckNetwork(ctx, name); err != nil {
		t.Errorf("one network: %v", err)
	}
}

// TestCheckNetworkAmbiguous makes two networks of one name, as engines
// before API 1.44 allow when the request does not ask them to check (what
// happens when several tools create "kind" at once). The Go SDK always asks,
// so the request is sent by hand.
func TestCheckNetworkAmbiguous(t *testing.T) {
	c, ctx := newClient(t)
	name := unique(t)
	for i := 0; i < 2; i++ {
		body := strings.NewReader(`{"Name":"` + name + `","CheckDuplicate":false}`)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://docker/v1.41/networks/create", body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.api.HTTPClient().Do(req)
		if err != nil {
			t.Skipf("cannot talk to the engine by hand at %s: %v", c.api.DaemonHost(), err)
		}
		var created struct{ ID string }
		_ = json.NewDecoder(resp.Body).Decode(&created)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Skipf("this engine refuses duplicate network names (HTTP %d)", resp.StatusCode)
		}
		t.Cleanup(func() { _ = c.api.NetworkRemove(context.Background(), created.ID) })
	}
	err := c.CheckNetwork(ctx, name)
	if err == nil || !strings.Contains(err.Error(), `docker network name "`+name+`" is ambiguous`) {
		t.Errorf("duplicate: %v", err)
	}
}

func TestSweepTakesOnlyTheLabelled(t *testing.T) {
	c, ctx := newClient(t)
	name := unique(t)
	mine := Label{Key: "lc-test.cluster", Value: name}
	other := Label{Key: "lc-test.cluster", Value: name + "-other"}

	var created []string
	t.Cleanup(func() {
		for _, id := range created {
			_ = c.api.ContainerRemove(context.Background(), id, container.RemoveOptions{Force: true, RemoveVolumes: true})
		}
		for _, v := range []string{name + "-vol", name + "-other-vol"} {
			_ = c.api.VolumeRemove(context.Background(), v, true)
		}
	})
	for _, l := range []Label{mine, other} {
		if _, err := c.api.VolumeCreate(ctx, volume.CreateOptions{Name: l.Value + "-vol", Labels: map[string]string{l.Key: l.Value}}); err != nil {
			t.Fatal(err)
		}
	}
	const image = "localcluster-testnode:busybox"
	if _, err := c.api.ImageInspect(ctx, image); err == nil {
		for _, l := range []Label{mine, other} {
			r, err := c.api.ContainerCreate(ctx, &container.Config{Image: image, Cmd: []string{"sleep", "600"}, Labels: map[string]string{l.Key: l.Value}},
				&container.HostConfig{}, nil, nil, l.Value)
			if err != nil {
				t.Fatal(err)
			}
			created = append(created, r.ID)
		}
		if err := c.api.ContainerStart(ctx, created[0], container.StartOptions{}); err != nil {
			t.Fatal(err)
		}
		cs, err := c.Containers(ctx, mine)
		if err != nil || len(cs) != 1 || cs[0].Name != name || !cs[0].Running {
			t.Fatalf("Containers(mine) = %+v, %v", cs, err)
		}
	} else {
		t.Logf("no %s image: sweeping volumes only", image)
	}

	if err := c.Sweep(ctx, mine); err != nil {
		t.Fatal(err)
	}
	if cs, _ := c.Containers(ctx, mine); len(cs) != 0 {
		t.Errorf("containers left: %+v", cs)
	}
	if vs, _ := c.Volumes(ctx, mine); len(vs) != 0 {
		t.Errorf("volumes left: %q", vs)
	}
	if vs, _ := c.Volumes(ctx, other); len(vs) != 1 {
		t.Errorf("the other cluster's volume was touched: %q", vs)
	}
	if len(created) > 0 {
		if cs, _ := c.Containers(ctx, other); len(cs) != 1 {
			t.Errorf("the other cluster's container was touched: %+v", cs)
		}
	}
	if err := c.Sweep(ctx, mine); err != nil {
		t.Errorf("second sweep: %v", err)
	}
}
