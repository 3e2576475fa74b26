package dockernet

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/localcluster/localcluster/internal/shell"
)

// A docker exec costs about a tenth of a second on a busy engine, so the
// route work of one container runs in one shell: one exec to read the
// routing tables, one to apply every change. Every command still reports its
// own exit status and output.

const (
	failMark    = "@@localcluster-fail "
	sectionMark = "@@localcluster-v6"
)

// runBatch runs cmds one after another in one shell in the container, going
// on after failures. It returns one error per command (nil where it worked);
// err is for the exec itself failing.
func (c *Client) runBatch(ctx context.Context, ctr string, cmds [][]string) (errs []error, err error) {
	if len(cmds) == 0 {
		return nil, nil
	}
	var script strings.Builder
	for i, cmd := range cmds {
		// out=$(cmd) has cmd's exit status, which is $? on the right of ||.
		fmt.Fprintf(&script, "out=$(%s 2>&1) || printf '%s%d %%d %%s\\n' \"$?\" \"$out\"\n", shell.Join(cmd...), failMark, i)
	}
	out, err := c.exec(ctx, ctr, "sh", "-c", script.String())
	if err != nil {
		return nil, err
	}
	errs = make([]error, len(cmds))
	var last *ExecError
	for line := range strings.Lines(out) {
		line = strings.TrimSuffix(line, "\n")
		rest, ok := strings.CutPrefix(line, failMark)
		if !ok {
			if last != nil { // more lines of the failing command's output
				last.Stderr += "\n" + line
			}
			continue
		}
		f := strings.SplitN(rest, " ", 3)
		i, ierr := strconv.Atoi(f[0])
		if len(f) < 3 || ierr != nil || i < 0 || i >= len(cmds) {
			return nil, fmt.Errorf("docker exec %s: cannot read batch output line %q", ctr, line)
		}
		code, _ := strconv.Atoi(f[1])
		last = &ExecError{Container: ctr, Cmd: cmds[i], ExitCode: code, Stderr: f[2]}
		errs[i] = last
	}
	return errs, nil
}

// routeTable reads the main routing table of a container for the families
// asked, in one exec.
func (c *Client) routeTable(ctx context.Context, ctr string, v4, v6 bool) ([]tableRoute, error) {
	var script []string
	if v4 {
		script = append(script, "ip route show")
	}
	if v6 {
		script = append(script, "echo "+sectionMark, "ip -6 route show")
	}
	out, err := c.exec(ctx, ctr, "sh", "-c", "set -e; "+strings.Join(script, "; "))
	if err != nil {
		return nil, err
	}
	out4, out6, _ := strings.Cut(out, sectionMark+"\n")
	return append(parseRoutes(out4, false), parseRoutes(out6, true)...), nil
}
