// Package charts holds localcluster's own Helm charts. They are embedded in
// the binary so that it works outside the source tree; the directories next
// to this file are the source.
package charts

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
)

// LBPool is the chart rendering MetalLB's IPAddressPool and L2Advertisement.
const LBPool = "lb-pool"

// "all:" keeps files starting with "_" or "." (template helpers, .helmignore).
//
//go:embed all:lb-pool
var embedded embed.FS

// File is one file of an embedded chart.
type File struct {
	Path string // slash-separated, relative to the chart directory
	Data []byte
}

// FS returns the embedded charts, one top-level directory per chart.
func FS() fs.FS { return embedded }

// Names lists the embedded charts, sorted.
func Names() []string {
	entries, err := embedded.ReadDir(".")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Files returns the files of the named chart, sorted by path.
func Files(name string) ([]File, error) {
	if !fs.ValidPath(name) || name == "." {
		return nil, fmt.Errorf("no embedded chart %q (have %v)", name, Names())
	}
	if _, err := fs.Stat(embedded, path.Join(name, "Chart.yaml")); err != nil {
		return nil, fmt.Errorf("no embedded chart %q (have %v)", name, Names())
	}
	var files []File
	err := fs.WalkDir(embedded, name, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, File{Path: p[len(name)+1:], Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read embedded chart %s: %w", name, err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// Load returns the named embedded chart, ready for Helm.
func Load(name string) (*chart.Chart, error) {
	files, err := Files(name)
	if err != nil {
		return nil, err
	}
	buffered := make([]*loader.BufferedFile, len(files))
	for i, f := range files {
		buffered[i] = &loader.BufferedFile{Name: f.Path, Data: f.Data}
	}
	ch, err := loader.LoadFiles(buffered)
	if err != nil {
		return nil, fmt.Errorf("load embedded chart %s: %w", name, err)
	}
	return ch, nil
}
