package demos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// What demosh takes for an assignment and for the start of a function
// definition (its shellstate.py): both are handled by demosh itself rather
// than run as they stand.
var (
	reAssignment = regexp.MustCompile(`^\s*(export\s+)?([a-zA-Z0-9_]+)=`)
	reFunction   = regexp.MustCompile(`^\s*(function\s+)?([a-zA-Z0-9_]+)\s*\(\)\s+\{`)
)

// syntaxCheck runs `bash -n` and, where /bin/sh is another shell (dash on
// Debian), `sh -n` too: demosh runs each command with /bin/sh -c, so a
// bashism that bash accepts can still fail on a presenter's machine.
func syntaxCheck(ctx context.Context, script string) error {
	var errs []string
	for _, sh := range syntaxShells() {
		cmd := exec.CommandContext(ctx, sh, "-n")
		cmd.Stdin = strings.NewReader(script)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			errs = append(errs, fmt.Sprintf("%s -n: %s", sh, firstLine(out.String(), err)))
			continue
		}
		// bash -n only warns about an unterminated here-document.
		if strings.Contains(out.String(), "here-document") {
			errs = append(errs, fmt.Sprintf("%s -n: %s", sh, firstLine(out.String(), nil)))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func syntaxShells() []string {
	shells := []string{"bash"}
	if target, err := exec.LookPath("sh"); err == nil {
		if bashPath, err := exec.LookPath("bash"); err != nil || !sameFile(target, bashPath) {
			shells = append(shells, "sh")
		}
	}
	return shells
}

func firstLine(s string, err error) string {
	s = strings.TrimSpace(s)
	if s == "" && err != nil {
		return err.Error()
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// parse parses one command as bash.
func parse(text string) (*syntax.File, error) {
	return syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), "")
}

// call is one simple command with its words expanded as far as the
// harness can: Unresolved names what it could not expand.
type call struct {
	Args       []string
	Unresolved string
	Node       *syntax.CallExpr
}

func (c call) Name() string {
	if len(c.Args) == 0 {
		return ""
	}
	return c.Args[0]
}

// calls lists the simple commands in f, outside command substitutions too.
func calls(f *syntax.File, env map[string]string) []call {
	var out []call
	syntax.Walk(f, func(n syntax.Node) bool {
		ce, ok := n.(*syntax.CallExpr)
		if !ok || len(ce.Args) == 0 {
			return true
		}
		out = append(out, expandCall(ce, env))
		return true
	})
	return out
}

func expandCall(ce *syntax.CallExpr, env map[string]string) call {
	cfg := &expand.Config{
		Env: expand.FuncEnviron(func(name string) string { return env[name] }),
		CmdSubst: func(io.Writer, *syntax.CmdSubst) error {
			return errUnresolved
		},
	}
	c := call{Node: ce}
	for _, w := range ce.Args {
		if name := unknownParam(w, env); name != "" {
			c.Unresolved = "$" + name
			c.Args = append(c.Args, printWord(w))
			continue
		}
		fields, err := expand.Fields(cfg, w)
		if err != nil {
			c.Unresolved = printWord(w)
			c.Args = append(c.Args, printWord(w))
			continue
		}
		c.Args = append(c.Args, fields...)
	}
	return c
}

var errUnresolved = errors.New("command substitution")

// unknownParam names a parameter in w that the harness has no value for.
func unknownParam(w *syntax.Word, env map[string]string) string {
	var name string
	syntax.Walk(w, func(n syntax.Node) bool {
		if pe, ok := n.(*syntax.ParamExp); ok && name == "" {
			if _, known := env[pe.Param.Value]; !known {
				name = pe.Param.Value
			}
		}
		return true
	})
	return name
}

func printWord(w *syntax.Word) string {
	var b strings.Builder
	_ = syntax.NewPrinter().Print(&b, w)
	return b.String()
}

func printNode(n syntax.Node) string {
	var b strings.Builder
	_ = syntax.NewPrinter(syntax.SingleLine(true)).Print(&b, n)
	return strings.TrimSpace(b.String())
}

func sameFile(a, b string) bool {
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	return err == nil && os.SameFile(ia, ib)
}
