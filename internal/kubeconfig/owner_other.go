//go:build !unix

package kubeconfig

import (
	"io/fs"
	"os"
)

// keepOwner does nothing where files have no Unix owner.
func keepOwner(*os.File, fs.FileInfo) {}

// canWrite leaves the answer to the write itself where there is no
// access(2).
func canWrite(string) error { return nil }

// processGone cannot tell here; a lock is then only waited for.
func processGone(int) bool { return false }
