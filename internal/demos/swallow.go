package demos

import (
	"fmt"

	"mvdan.cc/sh/v3/syntax"
)

// swallowed lists the ways a command hides a failure from demosh, which
// only sees the exit status of the whole command it ran with /bin/sh -c (no
// -e, no pipefail): a pipeline reports its last command only; in a list of
// statements only the last one counts; "|| true" turns any failure into
// success; a background job is never waited for; a here-document spans lines
// that demosh runs one by one. script is true for a bash script run under
// `set -e -o pipefail`, where pipes and here-documents are fine.
func swallowed(f *syntax.File, script bool) []string {
	var out []string
	if !script && len(f.Stmts) > 1 {
		out = append(out, fmt.Sprintf("%d commands on one line: only the last one's failure stops demosh; put each on its own line or join them with &&", len(f.Stmts)))
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			if n.Background {
				out = append(out, fmt.Sprintf("`%s &` runs in the background: its failure is never seen", printNode(n.Cmd)))
			}
			for _, r := range n.Redirs {
				if !script && (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) {
					out = append(out, "a here-document: demosh runs each of its lines as a command of its own")
				}
			}
		case *syntax.BinaryCmd:
			out = append(out, binarySwallow(n, script)...)
		case *syntax.Block:
			out = append(out, listSwallow(n.Stmts)...)
		case *syntax.Subshell:
			out = append(out, listSwallow(n.Stmts)...)
		case *syntax.IfClause:
			out = append(out, listSwallow(n.Then)...)
		case *syntax.WhileClause:
			out = append(out, listSwallow(n.Do)...)
		case *syntax.ForClause:
			out = append(out, listSwallow(n.Do)...)
		}
		return true
	})
	return out
}

func binarySwallow(n *syntax.BinaryCmd, script bool) []string {
	switch n.Op {
	case syntax.Pipe, syntax.PipeAll:
		if script {
			return nil
		}
		return []string{fmt.Sprintf("`%s`: a pipeline's exit status is its last command's, so a failure of `%s` goes unseen", printNode(n), printNode(n.X.Cmd))}
	case syntax.OrStmt:
		if !fails(n.Y) {
			return []string{fmt.Sprintf("`%s`: the failure of `%s` is swallowed; end with `|| exit 1` if it is a check", printNode(n), printNode(n.X.Cmd))}
		}
	}
	return nil
}

// listSwallow flags statements before the last of a list whose failure is
// lost; echo, printf, sleep and : are harmless there.
func listSwallow(stmts []*syntax.Stmt) []string {
	var out []string
	for i, s := range stmts {
		if i == len(stmts)-1 || harmless(s) {
			continue
		}
		out = append(out, fmt.Sprintf("`%s` is followed by another command in the same list: its failure goes unseen", printNode(s)))
	}
	return out
}

func harmless(s *syntax.Stmt) bool {
	ce, ok := s.Cmd.(*syntax.CallExpr)
	if !ok || len(ce.Args) == 0 {
		return false
	}
	switch ce.Args[0].Lit() {
	case "echo", "printf", "sleep", ":":
		return true
	}
	return false
}

// fails reports whether s always ends in failure: `exit N` with N not 0,
// `false`, or a block or subshell whose last statement fails.
func fails(s *syntax.Stmt) bool {
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr:
		if len(c.Args) == 0 {
			return false
		}
		switch c.Args[0].Lit() {
		case "false":
			return true
		case "exit", "return":
			return len(c.Args) == 2 && c.Args[1].Lit() != "" && c.Args[1].Lit() != "0"
		}
	case *syntax.Block:
		return len(c.Stmts) > 0 && fails(c.Stmts[len(c.Stmts)-1])
	case *syntax.Subshell:
		return len(c.Stmts) > 0 && fails(c.Stmts[len(c.Stmts)-1])
	}
	return false
}
