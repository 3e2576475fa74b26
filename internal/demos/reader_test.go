package demos

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestRead follows demosh's reading rules: imports open relative to the
// start directory and are inlined where they stand; a command runs to the
// next unescaped newline outside a brace block; only bash and sh blocks
// run; a ``` line ends a shell file.
func TestRead(t *testing.T) {
	w, err := Read("testdata/reader", "main.md")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range w.Elements {
		switch e.Kind {
		case Command:
			got = append(got, fmt.Sprintf("cmd %s:%d %q", e.Pos.File, e.Pos.Line, e.Text))
		case Directive:
			got = append(got, fmt.Sprintf("dir %s:%d %s", e.Pos.File, e.Pos.Line, e.Text))
		}
	}
	want := []string{
		`cmd sub/inc.sh:1 "set -e\n"`,
		`cmd sub/more.md:4 "echo from more\n"`,
		`cmd sub/inc.sh:7 "echo from inc\n"`,
		`dir main.md:8 SHOW`,
		"cmd main.md:11 \"greet() {\\n  echo hi\\n}\\n\"",
		"cmd main.md:14 \"kubectl get pods \\\\\\n  -A\\n\"",
		`dir main.md:16 immed`,
		`cmd main.md:17 "echo hidden\n"`,
		`cmd main.md:26 "echo sh block\n"`,
		`dir main.md:28 wait_clear`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("elements:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !w.Hooks["show_slides"] {
		t.Errorf("hook show_slides not read")
	}
	if m, ok := w.Macros["pause"]; !ok || len(m.Body) != 1 || m.Body[0].Text != "wait" {
		t.Errorf("macro pause: %+v", w.Macros["pause"])
	}
	if !slices.Equal(w.Imports, []string{"sub/inc.sh", "sub/more.md"}) {
		t.Errorf("imports %v", w.Imports)
	}
}

// TestReadMissingImport: demosh fails before running anything.
func TestReadMissingImport(t *testing.T) {
	_, err := Read("testdata/reader/sub", "inc.sh")
	if err == nil || !strings.Contains(err.Error(), "@import sub/more.md") {
		t.Fatalf("got %v, want an error naming the import", err)
	}
}
