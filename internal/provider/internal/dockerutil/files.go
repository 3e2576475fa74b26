package dockerutil

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
)

// File is one file to place in a container.
type File struct {
	Path string // absolute path in the container
	Data []byte
	Mode int64 // 0 means 0o644
}

// WriteFiles places files in a running or stopped container in one copy,
// creating their directories. Docker's copy API unpacks a tar archive at
// "/", the same call `docker cp` makes, so the container needs no shell.
func (c *Client) WriteFiles(ctx context.Context, containerName string, files []File) error {
	archive, err := tarOf(files)
	if err != nil {
		return err
	}
	err = c.api.CopyToContainer(ctx, containerName, "/", bytes.NewReader(archive), container.CopyToContainerOptions{})
	if err != nil {
		return fmt.Errorf("write files into %s: %w", containerName, err)
	}
	return nil
}

func tarOf(files []File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	dirs := map[string]bool{}
	var dirList []string
	for _, f := range files {
		for d := path.Dir(f.Path); d != "/" && d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			dirList = append(dirList, d)
		}
	}
	sort.Strings(dirList) // parents before children
	for _, d := range dirList {
		hdr := &tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(d, "/") + "/", Mode: 0o755, ModTime: now}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("archive %s: %w", d, err)
		}
	}
	for _, f := range files {
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(f.Path, "/"), Mode: mode, Size: int64(len(f.Data)), ModTime: now}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("archive %s: %w", f.Path, err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, fmt.Errorf("archive %s: %w", f.Path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return buf.Bytes(), nil
}

// ReadFile returns the file at path in a running or stopped container,
// and false when there is none.
func (c *Client) ReadFile(ctx context.Context, containerName, path string) ([]byte, bool, error) {
	rc, _, err := c.api.CopyFromContainer(ctx, containerName, path)
	if cerrdefs.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s in %s: %w", path, containerName, err)
	}
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read %s in %s: %w", path, containerName, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(tr)
			if err != nil {
				return nil, false, fmt.Errorf("read %s in %s: %w", path, containerName, err)
			}
			return data, true, nil
		}
	}
}
