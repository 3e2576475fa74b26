// Package diag writes a lab's diagnostics bundle, for a bug report: one
// tar.gz with the lab's files (certificates, never keys), the status
// report, and per cluster the node container's inspect output and logs,
// its kubelet and containerd journals where the node has them, the Helm
// release history with values (secrets redacted), Events, Links and
// mirrored Services. What cannot be collected is listed in errors.txt
// inside: a bundle is written even without Docker or clusters.
package diag

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/certs"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/health"
	"github.com/localcluster/localcluster/internal/provider"
)

// logTail is how many lines of a container's log and of a journal are kept.
const logTail = 5000

// Options say what to collect.
type Options struct {
	Plan       *addrplan.Plan
	Clusters   []string // the clusters to collect from
	LabFiles   []string // lab.yaml and other files to include besides each cluster's
	KubeTarget func(c *addrplan.Cluster) (path, context string)
	// Traits say whether a cluster has node containers here.
	Traits   func(c *addrplan.Cluster) provider.Traits
	TrustDir string
	// Docker connects to the Docker engine; nil means dockernet.New.
	Docker func(ctx context.Context) (*dockernet.Client, error)
	Status *health.Report // written as status.json when not nil
	// Timeout bounds each call; 0 means health.DefaultTimeout.
	Timeout time.Duration
	Now     func() time.Time
}

// bundle collects entries in memory, from several goroutines.
type bundle struct {
	mu      sync.Mutex
	entries map[string][]byte
	errs    []string
}

func (b *bundle) add(name string, data []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entries[name] = data
}

func (b *bundle) fail(what string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errs = append(b.errs, fmt.Sprintf("%s: %v", what, err))
}

// Write collects the bundle and writes it to w as a gzipped tar, every
// entry under a top directory named root. It returns the entries' names;
// the error is about writing, never about collecting.
func Write(ctx context.Context, w io.Writer, root string, o Options) ([]string, error) {
	if o.Timeout == 0 {
		o.Timeout = health.DefaultTimeout
	}
	b := &bundle{entries: map[string][]byte{}}
	b.labFiles(o)
	if o.Status != nil {
		if data, err := jsonIndent(o.Status); err == nil {
			b.add("status.json", data)
		}
	}
	d := b.docker(ctx, o)
	if d != nil {
		defer func() { _ = d.Close() }()
	}
	var wg sync.WaitGroup
	for _, name := range o.Clusters {
		c := o.Plan.Cluster(name)
		if c == nil {
			continue
		}
		wg.Go(func() { b.node(ctx, o, d, c) })
		wg.Go(func() { b.kube(ctx, o, c) })
	}
	wg.Wait()
	sort.Strings(b.errs)
	if len(b.errs) > 0 {
		b.add("errors.txt", []byte(strings.Join(b.errs, "\n")+"\n"))
	}
	return b.write(w, root, now(o))
}

func now(o Options) time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// labFiles adds each cluster's sma.yaml and mc-values.yaml, its issuer
// certificate, the trust anchor certificate and the other lab files.
// Private keys stay out.
func (b *bundle) labFiles(o Options) {
	files := append([]string(nil), o.LabFiles...)
	for _, c := range o.Plan.Clusters {
		crt, _ := certs.IssuerPaths(c.Def.Dir)
		files = append(files, c.Def.File, filepath.Join(c.Def.Dir, "mc-values.yaml"), crt)
	}
	anchor, _ := certs.AnchorPaths(o.TrustDir)
	files = append(files, anchor)
	cwd, _ := os.Getwd()
	for _, f := range files {
		if f == "" {
			continue
		}
		data, err := os.ReadFile(f)
		if os.IsNotExist(err) && filepath.Base(f) == "mc-values.yaml" {
			continue
		}
		if err != nil {
			b.fail("lab file "+f, err)
			continue
		}
		b.add(filepath.Join("lab", entryPath(cwd, f)), data)
	}
}

// entryPath is where a file goes in the bundle: relative to the working
// directory when under it, else its absolute path without the leading /.
func entryPath(cwd, f string) string {
	abs, err := filepath.Abs(f)
	if err != nil {
		return filepath.Clean(f)
	}
	if rel, err := filepath.Rel(cwd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return strings.TrimPrefix(abs, string(filepath.Separator))
}

func (b *bundle) write(w io.Writer, root string, t time.Time) ([]string, error) {
	names := make([]string, 0, len(b.entries))
	for n := range b.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, n := range names {
		data := b.entries[n]
		hdr := &tar.Header{Name: root + "/" + filepath.ToSlash(n), Mode: 0o644, Size: int64(len(data)), ModTime: t, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return names, gz.Close()
}
