//go:build unix

package app

import "syscall"

// canWrite asks the system whether this process may create files in dir.
func canWrite(dir string) error { return syscall.Access(dir, 0x2|0x1) } // W_OK|X_OK
