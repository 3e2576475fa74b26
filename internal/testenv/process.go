package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// logTailLines is how much of a log a failed start shows.
const logTailLines = 60

// errPortTaken marks a start that failed because another process bound a
// port between our probe and the child's bind; trying again with new ports
// is the cure.
var errPortTaken = errors.New("port already in use")

// process is one child (etcd or kube-apiserver) writing its output to a log
// file. It runs in its own process group so that stopping it also stops
// anything it spawned.
type process struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the child has been reaped
	waitErr error         // valid after exited is closed
	stopped sync.Once
}

func startProcess(name, logPath, binary string, args []string) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, logPath: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		_ = logFile.Close()
		close(p.exited)
	}()
	return p, nil
}

// exitErr returns nil while the process runs, and how it ended once it has.
func (p *process) exitErr() error {
	select {
	case <-p.exited:
		if p.waitErr == nil {
			return fmt.Errorf("%s exited early", p.name)
		}
		return fmt.Errorf("%s exited early: %w", p.name, p.waitErr)
	default:
		return nil
	}
}

// failure decorates err with the end of the log, which is where the reason
// for a failed start is, and tells whether a port clash caused it.
func (p *process) failure(err error) error {
	if p.exitErr() != nil && p.addressInUse() {
		err = fmt.Errorf("%w: %w", errPortTaken, err)
	}
	return fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, p.logPath, p.logTail(logTailLines))
}

// stop kills the process group and waits for the child. The data it leaves
// behind is thrown away, so there is no point in a graceful shutdown.
func (p *process) stop() {
	p.stopped.Do(func() {
		killGroup(p.cmd.Process.Pid)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
		}
	})
}

// logTail returns the last n lines of the process's log.
func (p *process) logTail(n int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", p.logPath, err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// addressInUse tells whether the process died because a port it was given
// was taken between our probe and its bind.
func (p *process) addressInUse() bool {
	data, err := os.ReadFile(p.logPath)
	return err == nil && strings.Contains(string(data), "address already in use")
}
