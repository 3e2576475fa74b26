package demos

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Kind says what demosh makes of a piece of a workshop.
type Kind int

const (
	// Comment is commentary shown to the audience.
	Comment Kind = iota
	// Command is a shell command demosh runs.
	Command
	// Directive is "#@word ...": a mode switch, a modifier of the next
	// command, or a word demosh runs (a macro, a builtin, or else a shell
	// command).
	Directive
)

// Pos is where an element starts.
type Pos struct {
	File string // as demosh opened it, relative to the start directory
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Element is one thing demosh reads: a comment, a command or a directive.
type Element struct {
	Kind Kind
	// Text is the command as demosh runs it (continuation lines included),
	// the directive without its "#@", or the commentary.
	Text string
	Pos  Pos
}

// Macro is a user-defined "#@macro NAME ... #@end".
type Macro struct {
	Name string
	Body []Element
	Pos  Pos
}

// Workshop is what demosh reads from one file and its imports, in the order
// it runs them.
type Workshop struct {
	// Dir is the start directory: demosh runs from there, and opens
	// @import paths and runs commands relative to it.
	Dir      string
	File     string // the file given to demosh, relative to Dir
	Elements []Element
	Macros   map[string]Macro
	Hooks    map[string]bool // hook function names "#@hook NAME VAR" defines
	Imports  []string        // every file imported, relative to Dir
}

// Read reads file (relative to dir) as demosh started in dir reads it:
// Markdown if the name ends in .md, shell otherwise, with every @import
// inlined where it stands. A missing import is an error, as it is for demosh
// (a traceback before the first command runs).
func Read(dir, file string) (*Workshop, error) {
	w := &Workshop{Dir: dir, File: file, Macros: map[string]Macro{}, Hooks: map[string]bool{}}
	for _, m := range builtinMacros {
		w.Macros[m] = Macro{Name: m}
	}
	if err := w.readFile(file, nil); err != nil {
		return nil, err
	}
	return w, nil
}

// builtinMacros are the macros demosh defines itself (--no-builtins aside).
var builtinMacros = []string{"wait_clear", "browser_then_terminal", "start_livecast", "_b_t_t_internal", "_s_t_internal"}

func (w *Workshop) readFile(name string, importedFrom *Pos) error {
	data, err := os.ReadFile(filepath.Join(w.Dir, name))
	if err != nil {
		if importedFrom != nil {
			return fmt.Errorf("%s: @import %s: demosh opens imports relative to the directory it starts in (%s): %w", importedFrom, name, w.Dir, err)
		}
		return err
	}
	r := &reader{w: w, file: name, lines: splitLines(string(data)), markdown: isMarkdown(name)}
	r.markdownAllowed = r.markdown
	return r.read()
}

func isMarkdown(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".md") }

// splitLines splits after every newline, keeping it, as Python's file
// iteration does.
func splitLines(s string) []string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := strings.IndexByte(string(data), '\n'); i >= 0 {
			return i + 1, data[:i+1], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// reader follows demosh's InputReader: in Markdown, ```bash and ```sh blocks
// switch to shell reading and "<!-- @" lines are directives; in shell, a
// command ends at a newline that is not escaped and not inside a brace
// block opened at the end of a line.
type reader struct {
	w               *Workshop
	file            string
	lines           []string
	next            int
	markdown        bool
	markdownAllowed bool

	buf      strings.Builder
	bufStart int
	braces   int
}

func (r *reader) pos(line int) Pos { return Pos{File: r.file, Line: line} }

func (r *reader) read() error {
	for r.next < len(r.lines) {
		line := r.lines[r.next]
		r.next++
		var err error
		var stop bool
		if r.markdown {
			err = r.markdownLine(line)
		} else {
			stop, err = r.shellLine(line)
		}
		if err != nil {
			return err
		}
		if stop {
			break
		}
	}
	r.flush()
	return nil
}

func (r *reader) markdownLine(line string) error {
	if strings.HasPrefix(line, "```bash") || strings.HasPrefix(line, "```sh") {
		r.flush()
		r.markdown = false
		return nil
	}
	if strings.HasPrefix(line, "<!-- @") {
		r.flush()
		line = strings.ReplaceAll(line, "<!-- @", "#@")
		line = strings.ReplaceAll(line, "-->", "")
		return r.directive(strings.TrimSpace(line), r.next)
	}
	r.append(line)
	return nil
}

// shellLine reads one line in shell mode; stop is true where demosh stops
// reading the file (a ``` line in a file that is not Markdown).
func (r *reader) shellLine(line string) (stop bool, err error) {
	for _, p := range []string{"#@hook ", "#@macro ", "#@import ", "#@ifhook "} {
		if strings.HasPrefix(line, p) {
			if r.buf.Len() > 0 {
				return false, fmt.Errorf("%s: directive inside a command: demosh refuses it", r.pos(r.next))
			}
			return false, r.directive(strings.TrimSpace(line), r.next)
		}
	}
	if strings.TrimSpace(line) == "```" {
		if r.markdownAllowed {
			r.markdown = true
			return false, nil
		}
		return true, nil
	}
	r.append(line)
	trimmed := strings.TrimRight(line, " \t\r\n")
	last := byte('\n')
	if trimmed != "" {
		last = trimmed[len(trimmed)-1]
	}
	done := false
	switch {
	case last == '\\':
	case last == '{':
		r.braces++
	case last == '}':
		r.braces--
		if r.braces <= 0 {
			done, r.braces = true, 0
		}
	case r.braces <= 0:
		done = true
	}
	if done {
		r.flushShell()
	}
	return false, nil
}

func (r *reader) append(line string) {
	if r.buf.Len() == 0 {
		r.bufStart = r.next
	}
	r.buf.WriteString(line)
}

// flush ends what is buffered: commentary in Markdown, a command or comment
// in shell.
func (r *reader) flush() {
	if r.buf.Len() == 0 {
		return
	}
	if r.markdown {
		r.emit(Element{Kind: Comment, Text: r.buf.String(), Pos: r.pos(r.bufStart)})
		r.buf.Reset()
		return
	}
	r.flushShell()
}

func (r *reader) flushShell() {
	text := r.buf.String()
	r.buf.Reset()
	pos := r.pos(r.bufStart)
	switch {
	case strings.HasPrefix(text, "#@"):
		r.emit(Element{Kind: Directive, Text: strings.TrimSpace(text[2:]), Pos: pos})
	case strings.HasPrefix(text, "#"):
		r.emit(Element{Kind: Comment, Text: text, Pos: pos})
	default:
		r.emit(Element{Kind: Command, Text: text, Pos: pos})
	}
}

func (r *reader) emit(e Element) { r.w.Elements = append(r.w.Elements, e) }

// directive handles a "#@..." line that demosh parses while reading:
// imports, hooks, macros and ifhook blocks; any other is kept for the run.
func (r *reader) directive(line string, lineNo int) error {
	pos := r.pos(lineNo)
	switch {
	case strings.HasPrefix(line, "#@hook "):
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 || f[1] == "" || f[2] == "" {
			return fmt.Errorf("%s: %q: demosh wants \"#@hook NAME VAR\"", pos, line)
		}
		r.w.Hooks[f[1]] = true
		return nil
	case strings.HasPrefix(line, "#@macro "):
		name := strings.TrimSpace(strings.SplitN(line, " ", 2)[1])
		body, err := r.block("#@end", pos)
		if err != nil {
			return err
		}
		r.w.Macros[name] = Macro{Name: name, Body: body, Pos: pos}
		return nil
	case strings.HasPrefix(line, "#@ifhook"):
		body, err := r.block("#@endif", pos)
		if err != nil {
			return err
		}
		// Runs only when the hook's DEMO_HOOK_ variable is set on the
		// presenter's machine; checked like any other command.
		r.w.Elements = append(r.w.Elements, body...)
		return nil
	case strings.HasPrefix(line, "#@import"):
		f := strings.SplitN(line, " ", 2)
		if len(f) != 2 || strings.TrimSpace(f[1]) == "" {
			return fmt.Errorf("%s: @import without a path: demosh fails on it", pos)
		}
		path := strings.TrimSpace(f[1])
		r.w.Imports = append(r.w.Imports, path)
		return r.w.readFile(path, &pos)
	}
	r.emit(Element{Kind: Directive, Text: strings.TrimSpace(line[2:]), Pos: pos})
	return nil
}

// block reads the lines of a macro or ifhook body up to its end marker,
// as demosh does: left-trimmed, read as shell.
func (r *reader) block(end string, start Pos) ([]Element, error) {
	var lines []string
	first := r.next + 1
	for {
		if r.next >= len(r.lines) {
			return nil, fmt.Errorf("%s: no %s: demosh fails reading it", start, end)
		}
		line := r.lines[r.next]
		r.next++
		if strings.TrimRight(line, " \t\r\n") == end {
			break
		}
		lines = append(lines, strings.TrimLeft(line, " \t"))
	}
	sub := &Workshop{Dir: r.w.Dir, Macros: r.w.Macros, Hooks: r.w.Hooks}
	br := &reader{w: sub, file: r.file, lines: lines}
	if err := br.read(); err != nil {
		return nil, err
	}
	for i := range sub.Elements {
		sub.Elements[i].Pos.Line += first - 1
	}
	r.w.Imports = append(r.w.Imports, sub.Imports...)
	return sub.Elements, nil
}
