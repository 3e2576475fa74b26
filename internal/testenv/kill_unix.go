//go:build unix

package testenv

import "syscall"

func killGroup(pid int) {
	// The group id is the child's pid (Setpgid); a negative pid addresses it.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}
