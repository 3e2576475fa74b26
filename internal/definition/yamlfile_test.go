package definition

import (
	"strings"
	"testing"
)

// The lines yaml.v3 reports are corrected to the line of the mistake.
func TestSyntaxProblemLines(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"a: 1\nb: [1, 2\nc: 3\n", "f:2: invalid YAML: did not find expected ',' or ']'"},
		{"a: 1\nb:\n  c: 2\n d: 3\n", "f:4: invalid YAML: did not find expected key"},
		{"a: 1\nb: 2\nc: 3: 4\n", "f:3: invalid YAML: mapping values are not allowed in this context"},
		{"a: b: c\n", "f:1: invalid YAML: mapping values are not allowed in this context"},
		{"a: 1\n\tb: 2\n", "f:2: invalid YAML: found a tab character that violates indentation (indent with spaces, not tabs)"},
		{"a: 1\nb: 2\nc: \"abc\n", "f:3: invalid YAML: found unexpected end of stream"},
		{"a: 1\nb: c\nd: [*nope]\n", "f:3:5: invalid YAML: unknown anchor 'nope' referenced"},
		{"a: 1\nb: \x01\n", "f:2:4: character U+0001 is not allowed in YAML; remove it"},
		{"a: \xff\n", "f:1:4: the file is not UTF-8 text; save it as UTF-8"},
		{strings.Repeat("#", maxFileSize+1), "f: the file is 262145 bytes, more than the 262144 a definition may have; is it the right file?"},
	}
	for _, tt := range tests {
		_, problems := parseDocument("f", []byte(tt.in))
		if len(problems) != 1 || problems[0].Error() != tt.want {
			t.Errorf("parseDocument(%.30q) = %v\nwant %s", tt.in, problems, tt.want)
		}
	}
}

func TestParseDocumentEmpty(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "---\n", "~\n", "--- # c\n...\n", "\xef\xbb\xbf"} {
		root, problems := parseDocument("f", []byte(in))
		if root != nil || problems != nil {
			t.Errorf("parseDocument(%q) = %v, %v; want nothing", in, root, problems)
		}
	}
	root, problems := parseDocument("f", []byte("a: 1\n---\n# trailing empty document\n"))
	if root == nil || problems != nil {
		t.Errorf("a trailing empty document: got %v, %v", root, problems)
	}
}
