package helm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// requestTimeout bounds each request Helm makes. An API server that stops
// answering (its node stopped or paused, the network gone) would otherwise
// hold an install for as long as the connection stays open; a healthy one
// answers every request of an install well within it.
const requestTimeout = 30 * time.Second

// requestTimeoutTransport gives every request that is not a watch a
// deadline; the deadline covers reading the answer too.
type requestTimeoutTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (t *requestTimeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Query().Get("watch") == "true" || strings.Contains(req.URL.Path, "/watch/") {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends a request's deadline when its answer is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// probeTimeout bounds the readiness probe that tells a failure of the API
// server from a failure of the release.
const probeTimeout = 5 * time.Second

// APIDownError says that a cluster's API server stopped answering while a
// release was being installed or upgraded.
type APIDownError struct {
	Context string // the kube context, the cluster's name for lab clusters
	Server  string
	Err     error // why the probe failed
}

func (e *APIDownError) Error() string {
	who := "the API server at " + e.Server
	if e.Context != "" {
		who = fmt.Sprintf("the API server of %s (%s)", e.Context, e.Server)
	}
	return fmt.Sprintf("%s stopped answering during the install (%v); "+
		"check that the cluster runs (localcluster status), then run the same command again: it picks up where this one stopped", who, e.Err)
}

func (e *APIDownError) Unwrap() error { return e.Err }

// apiDown probes the API server's readiness, after an install or upgrade
// failed, and returns an APIDownError when it does not answer.
func (c *Client) apiDown() error {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	err := c.clientset.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
	var status apierrors.APIStatus
	if err == nil || errors.As(err, &status) {
		return nil // it answered, even if not with "ok"
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("no answer within %s", probeTimeout)
	}
	return &APIDownError{Context: c.kubeContext, Server: c.config.Host, Err: err}
}
