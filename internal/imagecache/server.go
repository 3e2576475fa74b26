package imagecache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	// The filesystem storage driver registers itself with distribution.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	"github.com/sirupsen/logrus"
)

// ServeOptions configure Serve.
type ServeOptions struct {
	// Root holds the storage, one directory per registry.
	Root string
	// URLs override the upstream of some registries (registry → URL); the
	// tests point docker.io at a local stand-in.
	URLs map[string]string
	// Plain, when set, is the listen address of one ordinary registry that
	// accepts pushes, served instead of the mirrors (a local registry for
	// one's own images, and the tests' stand-in upstream).
	Plain string
	// Log receives one line per request. nil discards them.
	Log io.Writer
}

// Serve runs distribution's registry, as a pull-through cache for each
// upstream or as one plain registry, until ctx ends.
func Serve(ctx context.Context, o ServeOptions) error {
	if o.Log == nil {
		o.Log = io.Discard
	}
	// distribution logs through logrus's standard logger; keep its
	// warnings, drop its per-request info lines (ours are shorter).
	logrus.SetLevel(logrus.WarnLevel)
	type site struct {
		name, addr string
		cfg        *configuration.Configuration
	}
	var sites []site
	if o.Plain != "" {
		sites = append(sites, site{"plain", o.Plain, registryConfig(filepath.Join(o.Root, "plain"), "")})
	} else {
		for _, u := range Upstreams() {
			url := u.URL
			if v, ok := o.URLs[u.Registry]; ok {
				url = v
			}
			sites = append(sites, site{u.Registry, ":" + strconv.Itoa(u.Port), registryConfig(filepath.Join(o.Root, u.Registry), url)})
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(sites))
	lw := &lineWriter{w: o.Log}
	for i, s := range sites {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("cache %s: %w", s.name, err)
		}
		app := &lazyApp{ctx: ctx, cfg: s.cfg, log: lw, name: s.name}
		srv := &http.Server{Handler: accessLog(s.name, lw, app), ReadHeaderTimeout: 30 * time.Second}
		fmt.Fprintf(lw, "serving %s on %s (upstream %s)\n", s.name, s.addr, orNone(s.cfg.Proxy.RemoteURL))
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs[i] = fmt.Errorf("cache %s: %w", s.name, err)
				cancel()
			}
		}()
		go func() {
			defer wg.Done()
			<-ctx.Done()
			sctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer stop()
			_ = srv.Shutdown(sctx)
			_ = app.Shutdown()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// lazyApp makes distribution's registry on the first request, and again
// after a failure: a pull-through cache asks its upstream for its
// authentication scheme when it is made, and panics when the upstream
// cannot be reached. Made lazily, a cache started offline (workshop Wi-Fi
// down) serves what it has for the registries that answer, says 503 for
// the others (nodes then try the upstream themselves), and contacts no
// registry that no node asked for.
type lazyApp struct {
	ctx  context.Context
	cfg  *configuration.Configuration
	log  io.Writer
	name string

	mu    sync.Mutex
	app   *handlers.App
	tried time.Time
}

// retryAfter spaces attempts to reach an upstream that did not answer.
const retryAfter = 10 * time.Second

func (l *lazyApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	app := l.get()
	if app == nil {
		http.Error(w, "upstream "+l.cfg.Proxy.RemoteURL+" unreachable; try it directly", http.StatusServiceUnavailable)
		return
	}
	app.ServeHTTP(w, r)
}

func (l *lazyApp) get() *handlers.App {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.app != nil || time.Since(l.tried) < retryAfter {
		return l.app
	}
	l.tried = time.Now()
	app, err := newApp(l.ctx, l.cfg)
	if err != nil {
		fmt.Fprintf(l.log, "%s: %v\n", l.name, err)
		return nil
	}
	l.app = app
	return app
}

// Shutdown stops the registry if it was made.
func (l *lazyApp) Shutdown() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.app == nil {
		return nil
	}
	return l.app.Shutdown()
}

// newApp is handlers.NewApp, which reports configuration and upstream
// failures by panicking.
func newApp(ctx context.Context, cfg *configuration.Configuration) (app *handlers.App, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("start registry: %v", p)
		}
	}()
	return handlers.NewApp(ctx, cfg), nil
}

func orNone(s string) string {
	if s == "" {
		return "none: plain registry"
	}
	return s
}

// registryConfig is distribution's configuration for one registry stored
// under root; remote "" makes a plain registry, else a pull-through cache
// of remote whose content never expires (the volume is the workshop's
// stock of images; `down --cache` clears it).
func registryConfig(root, remote string) *configuration.Configuration {
	cfg := &configuration.Configuration{
		Storage: configuration.Storage{
			"filesystem": configuration.Parameters{"rootdirectory": root},
			"cache":      configuration.Parameters{"blobdescriptor": "inmemory"},
			"delete":     configuration.Parameters{"enabled": true},
		},
	}
	if remote != "" {
		never := time.Duration(0)
		cfg.Proxy = configuration.Proxy{RemoteURL: remote, TTL: &never}
	}
	return cfg
}

// accessLog writes "<site> <method> <path> <status> <bytes>" per request:
// what was served, and from the upstream's side what was fetched.
func accessLog(site string, w io.Writer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{ResponseWriter: rw, status: http.StatusOK}
		next.ServeHTTP(cw, r)
		fmt.Fprintf(w, "%s %s %s %d %d\n", site, r.Method, r.URL.Path, cw.status, cw.n.Load())
	})
}

type countingWriter struct {
	http.ResponseWriter
	status int
	n      atomic.Int64
}

func (c *countingWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// lineWriter serialises writes from concurrent handlers.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
