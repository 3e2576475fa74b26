package imagecache

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
)

// libDirs are where Linux distributions keep shared libraries, searched
// after the directory of the binary's own loader.
var libDirs = []string{
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
	"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
	"/lib64", "/usr/lib64", "/lib", "/usr/lib",
}

// runtimeFiles lists what a dynamically linked binary (a cgo build, such
// as plain `go install` makes where a C compiler is installed) needs beside
// it in the image: its loader and the shared libraries it loads, directly
// or through each other, as absolute paths on this machine. A static
// binary needs none. The files are taken from this machine, so a binary
// that was not built for it cannot be served.
func runtimeFiles(binary string) ([]string, error) {
	f, err := elf.Open(binary)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	loader, err := interpreter(f)
	if err != nil || loader == "" {
		return nil, err
	}
	if runtime.GOOS != "linux" {
		return nil, errors.New("it is dynamically linked (built with cgo), and its libraries are not on this machine")
	}
	if _, err := os.Stat(loader); err != nil {
		return nil, fmt.Errorf("it is dynamically linked and its loader %s is not on this machine", loader)
	}
	dirs := append([]string{path.Dir(loader)}, libDirs...)
	files := []string{loader}
	queue, err := f.ImportedLibraries()
	if err != nil {
		return nil, fmt.Errorf("read its shared libraries: %w", err)
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		lib := findLib(name, dirs)
		if lib == "" {
			return nil, fmt.Errorf("it is dynamically linked and needs %s, which is in none of %v", name, dirs)
		}
		if !slices.Contains(files, lib) {
			files = append(files, lib)
		}
		more, err := importedLibraries(lib)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", lib, err)
		}
		queue = append(queue, more...)
	}
	return files, nil
}

// interpreter is the loader a binary names (PT_INTERP), or "" when it is
// statically linked.
func interpreter(f *elf.File) (string, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		buf := make([]byte, p.Filesz)
		if _, err := p.ReadAt(buf, 0); err != nil {
			return "", fmt.Errorf("read its loader's name: %w", err)
		}
		if n := len(buf); n > 0 && buf[n-1] == 0 {
			buf = buf[:n-1]
		}
		return string(buf), nil
	}
	return "", nil
}

func importedLibraries(lib string) ([]string, error) {
	f, err := elf.Open(lib)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return f.ImportedLibraries()
}

// findLib finds the shared library name (a file name, or a path) in dirs.
func findLib(name string, dirs []string) string {
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err == nil {
			return name
		}
		return ""
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}
