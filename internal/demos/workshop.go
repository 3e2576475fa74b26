package demos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// The files of a workshop directory.
const (
	ReadmeFile = "README.md" // the workshop, run with `demosh README.md`
	SetupFile  = "setup.sh"  // run by the presenter beforehand, with bash
)

// Workshops lists the directories under root that hold a workshop.
func Workshops(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), ReadmeFile)); err == nil {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	sort.Strings(dirs)
	return dirs, nil
}

// CheckDir checks a workshop directory: its layout, its setup script as
// bash runs it, then its README.md as demosh started in dir runs it.
func (c *Checker) CheckDir(ctx context.Context, dir string) []Problem {
	problems := layout(dir)
	setup, err := ReadScript(dir, SetupFile)
	if err != nil {
		problems = append(problems, Problem{Pos: Pos{File: SetupFile}, Msg: err.Error()})
	} else {
		problems = append(problems, c.CheckScript(ctx, setup)...)
	}
	w, err := Read(dir, ReadmeFile)
	if err != nil {
		return append(problems, Problem{Pos: Pos{File: ReadmeFile}, Msg: err.Error()})
	}
	problems = append(problems, format(w)...)
	return append(problems, c.Check(ctx, w)...)
}

// CheckScript checks a bash script as Check checks a workshop, with the
// rules of a script run by bash under `set -e -o pipefail`.
func (c *Checker) CheckScript(ctx context.Context, w *Workshop) []Problem {
	s := &state{w: w, env: map[string]string{}, script: true, clusters: map[string]bool{}}
	c.elements(ctx, s, w.Elements, false)
	return s.problems
}

// ReadScript reads a bash script as a list of commands, one per top-level
// statement.
func ReadScript(dir, file string) (*Workshop, error) {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(string(data)), file)
	if err != nil {
		return nil, err
	}
	w := &Workshop{Dir: dir, File: file, Macros: map[string]Macro{}, Hooks: map[string]bool{}}
	for _, st := range f.Stmts {
		text := string(data[st.Pos().Offset():st.End().Offset()])
		w.Elements = append(w.Elements, Element{Kind: Command, Text: text + "\n", Pos: Pos{File: file, Line: int(st.Pos().Line())}})
	}
	return w, nil
}

// layout checks the files every workshop ships.
func layout(dir string) []Problem {
	var problems []Problem
	info, err := os.Stat(filepath.Join(dir, SetupFile))
	if err == nil && info.Mode().Perm()&0o111 == 0 {
		problems = append(problems, Problem{Pos: Pos{File: SetupFile}, Msg: "not executable"})
	}
	if data, err := os.ReadFile(filepath.Join(dir, SetupFile)); err == nil && !strings.HasPrefix(string(data), "#!/usr/bin/env bash") && !strings.HasPrefix(string(data), "#!/bin/bash") {
		problems = append(problems, Problem{Pos: Pos{File: SetupFile, Line: 1}, Msg: "does not start with a bash #! line"})
	}
	return problems
}

// format checks the demosh conventions of a workshop: an opening comment
// with the SPDX header and a description, an @import of a requirements
// check shipped in the workshop's directory, @SHOW, and pauses.
func format(w *Workshop) []Problem {
	var problems []Problem
	// The conventions concern the file as a whole: reported at its line 1.
	add := func(format string, args ...any) {
		problems = append(problems, Problem{Pos: Pos{File: w.File, Line: 1}, Msg: fmt.Sprintf(format, args...)})
	}
	data, _ := os.ReadFile(filepath.Join(w.Dir, w.File))
	text := string(data)
	if !strings.HasPrefix(text, "<!--") {
		add("does not open with a comment holding the SPDX header and a description")
	} else if end := strings.Index(text, "-->"); end < 0 || !strings.Contains(text[:end], "SPDX-License-Identifier:") {
		add("the opening comment has no SPDX-License-Identifier")
	} else if len(strings.Fields(strings.ReplaceAll(text[4:end], "SPDX-License-Identifier:", ""))) < 5 {
		add("the opening comment has no description")
	}
	if len(w.Imports) == 0 {
		add("no @import of a requirements check")
	}
	for _, imp := range w.Imports {
		if strings.Contains(imp, "..") || filepath.IsAbs(imp) {
			add("@import %s: ship the imported file in the workshop's own directory", imp)
		}
	}
	var show, pause bool
	for _, e := range w.Elements {
		if e.Kind != Directive {
			continue
		}
		switch e.Text {
		case "SHOW":
			show = true
		case "wait", "wait_clear":
			pause = true
		}
	}
	if !show {
		add("no @SHOW: demosh would run everything without showing it")
	}
	if !pause {
		add("no @wait or @wait_clear: the presenter never gets to talk")
	}
	return problems
}
