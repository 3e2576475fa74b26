package definition

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxFileSize bounds what is parsed: definition files are a few hundred
// bytes, and yaml.v3 takes quadratic time on mappings with many keys.
const maxFileSize = 256 << 10

// parseDocument parses data as a single YAML document. It returns the
// document's content node, or nil with no problems when the file holds
// nothing (no document, or only comments, or a bare null).
func parseDocument(file string, data []byte) (*yaml.Node, Problems) {
	if msg := tooBig(int64(len(data))); msg != "" {
		return nil, Problems{{Pos: Pos{File: file}, Msg: msg}}
	}
	if line, col, msg := checkText(data); msg != "" {
		return nil, Problems{{Pos: Pos{File: file, Line: line, Col: col}, Msg: msg}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := decodeNode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, Problems{syntaxProblem(file, data, err)}
	}
	var problems Problems
	for {
		var next yaml.Node
		err := decodeNode(dec, &next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			problems = append(problems, syntaxProblem(file, data, err))
			break
		}
		if c := content(&next); c != nil && !isNull(c) {
			problems.add(Pos{File: file, Line: c.Line, Col: c.Column}, "",
				"a second YAML document starts here; the file must hold exactly one (remove the \"---\" and what follows, or move it to its own file)")
			break
		}
	}
	root := content(&doc)
	if root == nil || isNull(root) {
		root = nil
	}
	return root, problems
}

// decodeNode guards against panics inside the YAML parser, so that a
// malformed file is reported instead of crashing the tool.
func decodeNode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: the YAML parser failed on this file: %v", r)
		}
	}()
	return dec.Decode(n)
}

// content returns a document node's single child.
func content(doc *yaml.Node) *yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

var (
	yamlLineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^yaml: (unknown anchor|anchor) '(.*)' (referenced|value contains itself)$`)
)

// yamlParserErrors are the messages of yaml.v3's parser (as opposed to its
// scanner). It reports their line counting from zero.
var yamlParserErrors = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// syntaxProblem turns a yaml.v3 parse error into a Problem. yaml.v3 leaves
// the line out of its message when it is the first one, counts from zero
// for parser errors, and says nothing of where anchor errors are, so those
// are found by looking for the anchor. (checkText has already caught the
// errors about characters, which have no place either.)
func syntaxProblem(file string, data []byte, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pos := Pos{File: file, Line: 1}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if yamlParserErrors[msg] {
		pos.Line++
	}
	if a := yamlAnchorRE.FindStringSubmatch(err.Error()); a != nil {
		mark := "*"
		if a[1] == "anchor" {
			mark = "&"
		}
		pos.Line, pos.Col = find(data, mark+a[2])
	}
	if hasLeadingTab(data, pos.Line) {
		msg += " (indent with spaces, not tabs)"
	}
	return Problem{Pos: pos, Msg: "invalid YAML: " + msg}
}

// find returns the line and column of the first occurrence of s in data,
// or zeros.
func find(data []byte, s string) (line, col int) {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 0, 0
	}
	before := data[:i]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

func hasLeadingTab(data []byte, line int) bool {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return false
	}
	indent := len(lines[line-1]) - len(bytes.TrimLeft(lines[line-1], " \t"))
	return bytes.ContainsRune(lines[line-1][:indent], '\t')
}

// checkText finds what yaml.v3 rejects without saying where: bytes that are
// not UTF-8 and characters YAML does not allow. UTF-16 files (with a byte
// order mark) are left to the parser.
func checkText(data []byte) (line, col int, msg string) {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return 0, 0, ""
	}
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col, "the file is not UTF-8 text; save it as UTF-8"
		case !yamlPrintable(r):
			return line, col, fmt.Sprintf("character %U is not allowed in YAML; remove it", r)
		case r == '\n':
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return 0, 0, ""
}

// yamlPrintable reports whether YAML 1.2 allows r in a stream.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7E:
		return true
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD:
		return true
	}
	return r >= 0x10000 && r <= 0x10FFFF
}
