package testenv

import (
	"errors"
	"fmt"
	"net"
)

// portAttempts bounds the retries after a port clash.
const portAttempts = 3

// freePorts asks the kernel for n distinct free loopback ports. They are
// free when probed; a racing process may still take one before the child
// binds it, which startWithRetry handles.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		// Keep listening until all are picked so that no port repeats.
		defer func() { _ = l.Close() }()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// startWithRetry calls start until it succeeds, fails for another reason
// than a port clash, or has been tried portAttempts times.
func startWithRetry[T any](start func() (T, error)) (T, error) {
	var (
		v   T
		err error
	)
	for range portAttempts {
		v, err = start()
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return v, err
}
