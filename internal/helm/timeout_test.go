package helm

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A request that is not a watch gets the deadline, reading included; a
// watch runs for as long as the server streams.
func TestRequestTimeoutSparesWatches(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for range 5 {
			_, _ = io.WriteString(w, "x")
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: &requestTimeoutTransport{next: http.DefaultTransport, timeout: 250 * time.Millisecond}}
	read := func(url string) (string, error) {
		resp, err := client.Get(url)
		if err != nil {
			return "", err
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if body, err := read(srv.URL + "/api/v1/namespaces/x/pods/y"); err == nil {
		t.Errorf("a 500 ms answer under a 250 ms deadline was read whole: %q", body)
	}
	for _, path := range []string{"/api/v1/namespaces/x/pods?watch=true", "/api/v1/watch/namespaces/x/pods"} {
		if body, err := read(srv.URL + path); err != nil || body != strings.Repeat("x", 5) {
			t.Errorf("watch %s: %q, %v; want the whole stream", path, body, err)
		}
	}
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer fast.Close()
	if body, err := read(fast.URL + "/version"); err != nil || body != "ok" {
		t.Errorf("a fast answer: %q, %v", body, err)
	}
}
