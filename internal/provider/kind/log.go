package kind

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"

	kindexec "sigs.k8s.io/kind/pkg/exec"
	kindlog "sigs.k8s.io/kind/pkg/log"

	"github.com/localcluster/localcluster/internal/provider"
)

// logger adapts kind's log.Logger to a writer: user-facing lines (V(0),
// warnings, errors) are written with a "[cluster] " prefix, debug levels
// are dropped. kind's status lines arrive here as plain " • step ..." and
// " ✓ step" lines because the writer is not kind's terminal spinner.
type logger struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
}

func newLogger(w io.Writer, cluster string) kindlog.Logger {
	if w == nil {
		return kindlog.NoopLogger{}
	}
	return logger{mu: &sync.Mutex{}, w: w, prefix: "[" + cluster + "] "}
}

func (l logger) write(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		fmt.Fprintf(l.w, "%s%s\n", l.prefix, line)
	}
}

func (l logger) Warn(msg string) {
	if !strings.HasPrefix(msg, "WARNING") { // some of kind's warnings say so already
		msg = "WARNING: " + msg
	}
	l.write(msg)
}
func (l logger) Warnf(format string, args ...any)  { l.Warn(fmt.Sprintf(format, args...)) }
func (l logger) Error(msg string)                  { l.write("ERROR: " + msg) }
func (l logger) Errorf(format string, args ...any) { l.Error(fmt.Sprintf(format, args...)) }
func (l logger) V(level kindlog.Level) kindlog.InfoLogger {
	if level > 0 {
		return kindlog.NoopInfoLogger{}
	}
	return infoLogger(l)
}

type infoLogger logger

func (l infoLogger) Info(msg string)                  { logger(l).write(msg) }
func (l infoLogger) Infof(format string, args ...any) { l.Info(fmt.Sprintf(format, args...)) }
func (l infoLogger) Enabled() bool                    { return true }

// explain adds to kind's error the engine's own words, which kind keeps
// only in the failed command's output, and turns a failure to pull the node
// image (the usual cause on a machine without registry access) into a
// provider.ImageError.
func explain(err error) error {
	re := kindexec.RunErrorForError(err)
	switch {
	case re == nil:
		return err
	case len(re.Command) >= 3 && re.Command[0] == "docker" && re.Command[1] == "pull":
		return &provider.ImageError{Image: re.Command[len(re.Command)-1], Reason: engineMessage(re.Output), Err: err}
	case len(bytes.TrimSpace(re.Output)) > 0:
		return fmt.Errorf("%w: %s", err, engineMessage(re.Output))
	}
	return err
}

// engineMessage picks the line of a docker command's output that says what
// went wrong: the last one mentioning an error, else the last one.
func engineMessage(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(strings.ToLower(lines[i]), "error") {
			return strings.TrimSpace(lines[i])
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}
