package definition

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Pos is a place in a definition file, or just the file (or directory) when
// Line is 0. Line and Col count from 1.
type Pos struct {
	File      string
	Line, Col int
}

// String returns "file:line:col", leaving out what is unknown.
func (p Pos) String() string {
	var parts []string
	if p.File != "" {
		parts = append(parts, p.File)
	}
	if p.Line > 0 {
		parts = append(parts, strconv.Itoa(p.Line))
		if p.Col > 0 {
			parts = append(parts, strconv.Itoa(p.Col))
		}
	}
	return strings.Join(parts, ":")
}

// Problem is one thing wrong with the definitions, with where it is.
type Problem struct {
	Pos   Pos
	Field string // dotted path of the field, "" for the whole file
	Msg   string // what is wrong and how to fix it
}

// Error returns "file:line:col: field: message", leaving out what is empty.
func (p Problem) Error() string {
	var b strings.Builder
	if s := p.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found. It is the error Load returns; commands
// treat it as a mistake in the definitions, not a failure of the work.
type Problems []Problem

// MaxShown is how many problems Error lists before it only counts the
// rest: a lab with hundreds of broken files needs the first ones fixed, not
// a screenful it cannot read.
const MaxShown = 40

// Error returns one problem per line, sorted by file and position, at most
// MaxShown of them and then a line counting the others.
func (ps Problems) Error() string {
	sorted := append(Problems(nil), ps...)
	sorted.Sort()
	shown := sorted
	if len(shown) > MaxShown {
		shown = shown[:MaxShown]
	}
	lines := make([]string, len(shown), len(shown)+1)
	for i, p := range shown {
		lines[i] = p.Error()
	}
	if more := len(sorted) - len(shown); more > 0 {
		lines = append(lines, fmt.Sprintf("... and %d more problems; fix these and run again to see the rest", more))
	}
	return strings.Join(lines, "\n")
}

// Sort orders the problems by file, line, column, field and message.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		switch {
		case a.Pos.File != b.Pos.File:
			return a.Pos.File < b.Pos.File
		case a.Pos.Line != b.Pos.Line:
			return a.Pos.Line < b.Pos.Line
		case a.Pos.Col != b.Pos.Col:
			return a.Pos.Col < b.Pos.Col
		case a.Field != b.Field:
			return a.Field < b.Field
		}
		return a.Msg < b.Msg
	})
}

// add appends a problem with a formatted message.
func (ps *Problems) add(pos Pos, field, format string, args ...any) {
	*ps = append(*ps, Problem{Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)})
}
