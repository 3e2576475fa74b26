//go:build unix

package kubeconfig

import (
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives the replacement file the owner of the one it replaces, so
// that running under sudo with the user's kubeconfig does not leave a file
// the user can no longer write. Best effort: without the privilege to chown
// the file simply belongs to whoever wrote it, as with kubectl.
func keepOwner(f *os.File, old fs.FileInfo) {
	st, ok := old.Sys().(*syscall.Stat_t)
	if !ok || (int(st.Uid) == os.Geteuid() && int(st.Gid) == os.Getegid()) {
		return
	}
	_ = f.Chown(int(st.Uid), int(st.Gid))
}

// canWrite asks the system whether this process may write path.
func canWrite(path string) error { return syscall.Access(path, 0x2) } // W_OK

// processGone says whether no process has the given pid.
func processGone(pid int) bool {
	return syscall.Kill(pid, 0) == syscall.ESRCH
}
