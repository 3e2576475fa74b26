package demos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Problem is one thing that would go wrong running a workshop.
type Problem struct {
	Pos Pos
	Msg string
	// Pending marks a check that could not be made because the binary
	// lacks a command the workshop uses that is still being built
	// (PendingCommands); the test reports it without failing.
	Pending bool
}

func (p Problem) String() string { return p.Pos.String() + ": " + p.Msg }

// Checker checks workshops. Lab checks localcluster invocations; Kube, the
// manifests and rendered charts (nil: they are reported as unchecked, which
// is a problem too, so that a missing API server cannot pass unnoticed).
type Checker struct {
	Lab  *Lab
	Kube *Kube
}

// state is what demosh keeps between commands.
type state struct {
	w            *Workshop
	cwd          string            // relative to w.Dir
	env          map[string]string // assignments whose value the harness knows
	functions    []string
	exitOnFailed bool
	script       bool            // a bash script run under set -e/pipefail, not demosh
	clusters     map[string]bool // of the labs named by localcluster calls so far
	problems     []Problem
}

func (s *state) add(pos Pos, format string, args ...any) {
	s.problems = append(s.problems, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Check checks every element of w in the order demosh runs them.
func (c *Checker) Check(ctx context.Context, w *Workshop) []Problem {
	s := &state{w: w, env: map[string]string{}, clusters: map[string]bool{}}
	c.elements(ctx, s, w.Elements, false)
	return s.problems
}

func (c *Checker) elements(ctx context.Context, s *state, elems []Element, inMacro bool) {
	for _, e := range elems {
		switch e.Kind {
		case Comment:
		case Directive:
			c.directive(ctx, s, e)
		case Command:
			if inMacro && strings.TrimSpace(e.Text) != "" {
				s.add(e.Pos, "a command inside a macro: demosh does not stop when it fails (a macro always succeeds)")
			}
			c.command(ctx, s, e)
		}
	}
}

// directives demosh acts on itself: mode switches and modifiers of the next
// command.
var modifiers = []string{"SHOW", "HIDE", "waitafter", "nowaitbefore", "noshow", "notypeout", "immed", "immediate"}

func (c *Checker) directive(ctx context.Context, s *state, e Element) {
	word, _, _ := strings.Cut(e.Text, " ")
	switch {
	case word == "SKIP":
		s.add(e.Pos, "@SKIP: demosh would skip everything up to the next @SHOW; a shipped workshop runs whole")
	case slices.Contains(modifiers, e.Text):
	case word == "wait" && e.Text == "wait", word == "print":
	case s.w.Hooks[word]:
	case word == "SHOW" || word == "HIDE":
		s.add(e.Pos, "@%s takes no argument; demosh would run %q as a shell command", word, e.Text)
	default:
		m, ok := s.w.Macros[word]
		if !ok {
			s.add(e.Pos, "@%s is no demosh directive, builtin or macro defined before it: demosh would run `%s` as a shell command (exit 127 unless it exists)", word, e.Text)
			return
		}
		c.elements(ctx, s, m.Body, true)
	}
}

func (c *Checker) command(ctx context.Context, s *state, e Element) {
	text := e.Text
	if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
		return
	}
	if m := reAssignment.FindStringSubmatch(text); m != nil {
		c.assignment(ctx, s, e, m[2])
		return
	}
	if reFunction.MatchString(text) {
		if err := syntaxCheck(ctx, text); err != nil {
			s.add(e.Pos, "%v", err)
		}
		s.functions = append(s.functions, text)
		return
	}
	if err := syntaxCheck(ctx, strings.Join(append(slices.Clone(s.functions), text), "\n")); err != nil {
		s.add(e.Pos, "%v", err)
		return
	}
	f, err := parse(text)
	if err != nil {
		s.add(e.Pos, "does not parse: %v", err)
		return
	}
	if first := firstWord(f); first == "cd" || first == "set" {
		c.builtin(s, e, f, first)
		return
	}
	if !s.exitOnFailed {
		s.add(e.Pos, "`%s` runs before `set -e`: demosh would carry on after it fails", oneLine(text))
	}
	for _, msg := range swallowed(f, s.script) {
		s.add(e.Pos, "%s", msg)
	}
	for _, cl := range calls(f, s.env) {
		c.call(ctx, s, e.Pos, cl)
	}
}

// assignment follows demosh, which runs `NAME=value` in bash and keeps what
// `echo "$NAME"` prints: a command substitution that fails is not noticed
// unless the line ends in `|| exit 1`.
func (c *Checker) assignment(ctx context.Context, s *state, e Element, name string) {
	text := strings.TrimSpace(e.Text)
	if err := syntaxCheck(ctx, text); err != nil {
		s.add(e.Pos, "%v", err)
		return
	}
	f, err := parse(text)
	if err != nil || len(f.Stmts) == 0 {
		s.add(e.Pos, "does not parse: %v", err)
		return
	}
	hasSubst := false
	syntax.Walk(f, func(n syntax.Node) bool {
		if _, ok := n.(*syntax.CmdSubst); ok {
			hasSubst = true
		}
		return true
	})
	if hasSubst {
		if !s.exitOnFailed {
			s.add(e.Pos, "`%s` runs before `set -e`: demosh would carry on after it fails", oneLine(text))
		}
		bin, ok := f.Stmts[0].Cmd.(*syntax.BinaryCmd)
		if !s.script && (!ok || bin.Op != syntax.OrStmt || !fails(bin.Y)) {
			s.add(e.Pos, "`%s`: demosh ignores a failing command substitution in an assignment; end the line with `|| exit 1`", oneLine(text))
		}
		for _, cl := range calls(f, s.env) {
			c.call(ctx, s, e.Pos, cl)
		}
		s.env[name] = "" // known to exist, value only at run time
		return
	}
	for _, st := range f.Stmts {
		if ce, ok := st.Cmd.(*syntax.CallExpr); ok {
			for _, a := range ce.Assigns {
				if a.Name.Value == name && a.Value != nil {
					if v := expandCall(&syntax.CallExpr{Args: []*syntax.Word{a.Value}}, s.env); v.Unresolved == "" && len(v.Args) == 1 {
						s.env[name] = v.Args[0]
						return
					}
				}
			}
		}
	}
	s.env[name] = ""
}

// builtin handles what demosh does itself: cd changes its directory for
// the commands after it; set -e makes it stop at the first failure.
func (c *Checker) builtin(s *state, e Element, f *syntax.File, word string) {
	if word == "cd" && s.script && strings.TrimSpace(e.Text) == `cd "$(dirname "$0")"` {
		return // a script going to its own directory, the workshop's
	}
	cl := calls(f, s.env)
	if len(f.Stmts) != 1 || len(cl) != 1 {
		s.add(e.Pos, "`%s`: demosh handles %s itself and expects it alone on its line", oneLine(e.Text), word)
		return
	}
	args := cl[0].Args
	switch word {
	case "set":
		if len(args) < 2 {
			s.add(e.Pos, "`set` without arguments makes demosh crash")
			return
		}
		flags := args[1]
		switch {
		case strings.HasPrefix(flags, "-") && strings.Contains(flags, "e"):
			s.exitOnFailed = true
		case strings.HasPrefix(flags, "+") && strings.Contains(flags, "e"):
			s.add(e.Pos, "`set +e`: failures after it would go unnoticed")
			s.exitOnFailed = false
		}
	case "cd":
		if cl[0].Unresolved != "" || len(args) != 2 {
			s.add(e.Pos, "`%s`: the harness follows only `cd DIR` with a literal directory", oneLine(e.Text))
			return
		}
		next := filepath.Join(s.cwd, args[1])
		if info, err := os.Stat(filepath.Join(s.w.Dir, next)); err != nil || !info.IsDir() {
			s.add(e.Pos, "cd %s: no such directory", args[1])
			return
		}
		s.cwd = next
	}
}

func firstWord(f *syntax.File) string {
	if len(f.Stmts) == 0 {
		return ""
	}
	if ce, ok := f.Stmts[0].Cmd.(*syntax.CallExpr); ok && len(ce.Args) > 0 {
		return ce.Args[0].Lit()
	}
	return ""
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\\\n", " ")), " ")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}
