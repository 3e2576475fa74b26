package imagecache

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// ImageRepo is the repository of the image the cache runs from; its tag
// is the start of the binary's SHA-256, so a new binary makes a new image.
const ImageRepo = "localcluster-cache"

// BinaryEnv names a Linux build of localcluster to build the cache image
// from, for when the running binary cannot run in a Linux container
// (macOS, Windows, another architecture).
const BinaryEnv = "LOCALCLUSTER_CACHE_BINARY"

// ServerCommand is the hidden subcommand the image runs.
const ServerCommand = "cache-server"

// storageDir is where the cache volume is mounted in the container.
const storageDir = "/var/lib/registry"

// caBundles are where Linux distributions keep their CA bundle (the list
// Go's crypto/x509 reads). The image carries the host's, so the cache
// trusts what the host trusts, a company's TLS proxy included.
var caBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/ssl/cert.pem",
}

// UnsupportedBinaryError says why a binary cannot serve the cache.
type UnsupportedBinaryError struct {
	Path, Reason string
}

func (e *UnsupportedBinaryError) Error() string {
	return fmt.Sprintf("%s cannot run in the cache container: %s; set %s to a Linux build of localcluster "+
		"(CGO_ENABLED=0 GOOS=linux go build ./localcluster) or point lab.yaml's spec.cache.mirrors at an existing mirror",
		e.Path, e.Reason, BinaryEnv)
}

// CacheBinary returns the binary the image is built from: $BinaryEnv if
// set, else the running executable.
func CacheBinary() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p, nil
	}
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find own executable: %w", err)
	}
	return p, nil
}

// CheckBinary checks that path is a Linux executable for arch (Go's name:
// amd64, arm64) that runs in an image: a static one alone, a dynamically
// linked one (a cgo build) with its loader and libraries from this machine.
func CheckBinary(path, arch string) error {
	f, err := elf.Open(path)
	if err != nil {
		return &UnsupportedBinaryError{Path: path, Reason: "it is not a Linux executable"}
	}
	defer func() { _ = f.Close() }()
	want, ok := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "arm": elf.EM_ARM, "riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390}[arch]
	if !ok || f.Machine != want {
		return &UnsupportedBinaryError{Path: path, Reason: fmt.Sprintf("it is built for %s, the Docker engine runs %s", f.Machine, arch)}
	}
	if _, err := runtimeFiles(path); err != nil {
		return &UnsupportedBinaryError{Path: path, Reason: err.Error()}
	}
	return nil
}

// EngineArch maps the engine's architecture (docker info) to Go's name.
func EngineArch(a string) string {
	switch a {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	}
	return a
}

// ImageRef is the image built from the binary at path.
func ImageRef(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read cache binary: %w", err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read cache binary: %w", err)
	}
	// A cgo build's image carries this machine's libraries too: a new
	// libc makes a new image.
	libs, err := runtimeFiles(path)
	if err != nil {
		return "", fmt.Errorf("cache binary %s: %w", path, err)
	}
	for _, lib := range libs {
		if err := hashFile(h, lib); err != nil {
			return "", err
		}
	}
	return ImageRepo + ":" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// EnsureImage imports the one-file image for the binary at path unless it
// exists, and returns its reference. Nothing is pulled: the image is the
// binary, the host's CA bundle, and two empty directories.
func EnsureImage(ctx context.Context, api client.APIClient, path string) (ref string, created bool, err error) {
	ref, err = ImageRef(path)
	if err != nil {
		return "", false, err
	}
	if _, err := api.ImageInspect(ctx, ref); err == nil {
		return ref, false, nil
	} else if !cerrdefs.IsNotFound(err) {
		return "", false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeRootfs(pw, path)) }()
	resp, err := api.ImageImport(ctx, image.ImportSource{Source: pr, SourceName: "-"}, ref, image.ImportOptions{
		Message: "localcluster image cache, built from " + path,
		Changes: []string{
			`ENTRYPOINT ["/localcluster", "` + ServerCommand + `"]`,
			`CMD ["--root", "` + storageDir + `"]`,
			"LABEL " + managedLabel + "=true",
		},
	})
	if err != nil {
		_ = pr.CloseWithError(err)
		return "", false, fmt.Errorf("import cache image %s: %w", ref, err)
	}
	defer func() { _ = resp.Close() }()
	if err := readStream(resp); err != nil {
		return "", false, fmt.Errorf("import cache image %s: %w", ref, err)
	}
	return ref, true, nil
}

// readStream reads Docker's JSON progress stream and returns its error.
func readStream(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
	}
}

// writeRootfs writes the image's root file system as a tar stream.
func writeRootfs(w io.Writer, binary string) error {
	tw := tar.NewWriter(w)
	now := time.Now()
	for _, d := range []struct {
		name string
		mode int64
	}{{"tmp/", 0o1777}, {"etc/", 0o755}, {"etc/ssl/", 0o755}, {"etc/ssl/certs/", 0o755}, {"var/", 0o755}, {"var/lib/", 0o755}, {"var/lib/registry/", 0o755}} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d.name, Mode: d.mode, ModTime: now}); err != nil {
			return err
		}
	}
	if err := addFile(tw, binary, "localcluster", 0o755, now); err != nil {
		return err
	}
	libs, err := runtimeFiles(binary)
	if err != nil {
		return err
	}
	dirs := map[string]bool{"etc/": true, "etc/ssl/": true, "etc/ssl/certs/": true, "var/": true, "var/lib/": true}
	for _, lib := range libs {
		// Under the name the binary asks for (often a link), as a file.
		name := strings.TrimPrefix(lib, "/")
		if err := addParents(tw, name, dirs, now); err != nil {
			return err
		}
		if err := addFile(tw, lib, name, 0o755, now); err != nil {
			return err
		}
	}
	for _, ca := range caBundles {
		if _, err := os.Stat(ca); err == nil {
			if err := addFile(tw, ca, "etc/ssl/certs/ca-certificates.crt", 0o644, now); err != nil {
				return err
			}
			break
		}
	}
	return tw.Close()
}

// addParents adds the directories above name that are not in the archive
// yet.
func addParents(tw *tar.Writer, name string, done map[string]bool, now time.Time) error {
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/") + "/"
		if done[dir] {
			continue
		}
		done[dir] = true
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: now}); err != nil {
			return err
		}
	}
	return nil
}

func hashFile(h io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	_, err = io.Copy(h, f)
	return err
}

func addFile(tw *tar.Writer, src, name string, mode int64, now time.Time) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: fi.Size(), ModTime: now}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}
