package testenv

import "syscall"

// Pdeathsig kills the child when the test binary dies without running its
// cleanups (a panic, a `go test -timeout` abort, a SIGKILL). Strictly it
// fires when the forking OS thread ends; Go only ends threads that a
// goroutine locked and never unlocked, which this package does not do.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
