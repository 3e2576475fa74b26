package shell

import (
	"os/exec"
	"strings"
	"testing"
)

// hostile are words that a shell would split, expand or run if they were
// printed unquoted.
var hostile = []string{
	"plain", "with space", "it's", `"double"`, "$HOME", "${HOME}", "$(id)", "`id`",
	"~", "~/x", "a~b", "=ls", "a=b", "*", "?", "[ab]", "{a,b}", "a;b", "a&b", "a|b",
	"a>b", "<a", "!x", "#x", "a#b", "tab\there", "new\nline", "back\\slash", "", "'", "''",
	"--flag=va lue", "%1", "ünïcode", "a\x01b",
}

// TestQuoteRoundTripsThroughRealShells pastes Quote's output into real
// shells and checks that each comes back as exactly one word, unchanged.
func TestQuoteRoundTripsThroughRealShells(t *testing.T) {
	for _, sh := range []string{"sh", "bash"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			t.Fatalf("%s not on PATH: %v", sh, err)
		}
		for _, word := range hostile {
			script := "printf '%s\\0' " + Quote(word) + "; printf 'END\\0'"
			out, err := exec.Command(path, "-c", script).Output()
			if err != nil {
				t.Fatalf("%s -c %q: %v", sh, script, err)
			}
			got := strings.Split(string(out), "\x00")
			if len(got) != 3 || got[0] != word || got[1] != "END" {
				t.Errorf("%s read %q back as %q", sh, Quote(word), got)
			}
		}
	}
}

func TestQuoteLeavesOrdinaryWordsAlone(t *testing.T) {
	for _, w := range []string{"kind", "--name", "smiley", "10.5.1.0/24", "https://192.168.155.3:6443", "a=b", "user@host", "fd00:51:1::/64"} {
		if got := Quote(w); got != w {
			t.Errorf("Quote(%q) = %q, want it unquoted", w, got)
		}
	}
	for _, w := range []string{"~", "~/certs", "=ls", "", "a b"} {
		if got := Quote(w); got == w {
			t.Errorf("Quote(%q) left it unquoted", w)
		}
	}
}

func TestJoin(t *testing.T) {
	if got, want := Join("echo", "a b", "c"), "echo 'a b' c"; got != want {
		t.Errorf("Join = %q, want %q", got, want)
	}
}

// TestHeredocFeedsDocumentVerbatim runs the here-document through bash:
// nothing inside is expanded, and a line equal to the usual delimiter does
// not end it early.
func TestHeredocFeedsDocumentVerbatim(t *testing.T) {
	doc := "a: $HOME\nb: `id`\nEOF\nc: 'q'\n"
	out, err := exec.Command("bash", "-c", Heredoc("cat", []byte(doc))).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != doc {
		t.Errorf("heredoc gave %q, want %q", out, doc)
	}
	if got := Heredoc("cat", []byte("x")); !strings.HasSuffix(got, "x\nEOF") {
		t.Errorf("a document without a final newline must end with one before the delimiter: %q", got)
	}
}
