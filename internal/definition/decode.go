package definition

import (
	"encoding"
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder fills a Go value from a YAML node tree, strictly: every key must
// name a field (by its yaml tag) and every value must have the field's type.
// It records the position of every value it meets and keeps going after a
// problem, so that one pass reports everything.
type decoder struct {
	file  string
	pos   map[string]Pos
	bad   map[string]bool // paths whose value had the wrong type
	nulls map[string]Pos  // paths written with no value, at their key
	// suggested holds the paths an unknown field was taken to be a
	// misspelling or misplacement of, so they are not also reported missing.
	suggested map[string]bool
	problems  Problems
	// home maps a field name that exists in only one place of the format
	// to the path of the mapping it belongs in, for "belongs under" hints.
	home map[string]string
}

var (
	prefixType          = reflect.TypeOf(netip.Prefix{})
	textUnmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
	valuesType          = reflect.TypeOf(map[string]any(nil))
	stringsType         = reflect.TypeOf([]string(nil))
)

func newDecoder(file string, format reflect.Type) *decoder {
	d := &decoder{
		file: file, pos: map[string]Pos{}, bad: map[string]bool{}, nulls: map[string]Pos{},
		suggested: map[string]bool{}, home: map[string]string{},
	}
	counts := map[string]int{}
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for _, f := range yamlFields(t) {
			name := f.Tag.Get("yaml")
			counts[name]++
			d.home[name] = path
			if isMapping(f.Type) {
				walk(f.Type, joinPath(path, name))
			}
		}
	}
	walk(format, "")
	for name, n := range counts {
		if n > 1 {
			delete(d.home, name)
		}
	}
	return d
}

// present reports whether path was in the file with a value of the right
// type.
func (d *decoder) present(path string) bool {
	_, ok := d.pos[path]
	return ok && !d.bad[path]
}

func (d *decoder) at(n *yaml.Node) Pos { return Pos{File: d.file, Line: n.Line, Col: n.Column} }

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.problems.add(d.at(n), path, format, args...)
}

// decode fills v from n. A missing or null value leaves v as it is.
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	if r := resolve(n); r != n && r != nil {
		// Report an alias where it is used, not where its anchor is.
		at := *r
		at.Line, at.Column = n.Line, n.Column
		n = &at
	} else {
		n = r
	}
	if n == nil || isNull(n) {
		return
	}
	if path != "" {
		d.pos[path] = d.at(n)
	}
	t := v.Type()
	switch {
	case t == prefixType:
		d.prefix(n, path, v)
	case t.Kind() == reflect.Pointer:
		before := len(d.problems)
		elem := reflect.New(t.Elem())
		d.decode(n, path, elem.Elem())
		if len(d.problems) == before {
			v.Set(elem)
		}
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		d.text(n, path, v)
	case isMapping(t):
		d.mapping(n, path, v)
	case t.Kind() == reflect.String:
		d.str(n, path, v)
	case t.Kind() == reflect.Bool:
		d.boolean(n, path, v)
	case t.Kind() == reflect.Int:
		d.integer(n, path, v)
	case t == stringsType:
		d.list(n, path, v)
	case t == valuesType:
		d.values(n, path, v)
	default:
		panic(fmt.Sprintf("definition: no decoder for %v", t)) // a mistake in this package's types
	}
}

func (d *decoder) mapping(n *yaml.Node, path string, v reflect.Value) {
	t := v.Type()
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.fail(n, path, "the file must be a mapping of fields (%s), not %s", strings.Join(fieldNames(t), ", "), describe(n))
			return
		}
		fields := "fields " + strings.Join(fieldNames(t), ", ")
		if len(fieldNames(t)) == 1 {
			fields = "field " + fieldNames(t)[0]
		}
		d.fail(n, path, "want a mapping with the %s, got %s", fields, describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "a key must be a plain field name, not %s", describe(k))
			continue
		}
		fpath := joinPath(path, k.Value)
		if k.Tag == "!!merge" {
			d.fail(k, fpath, "merge keys are not supported here; write the fields out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, fpath, "defined twice (first at line %d); remove one", first.Line)
			continue
		}
		seen[k.Value] = k
		f, ok := fieldByTag(t, k.Value)
		if !ok {
			d.fail(k, fpath, "%s", d.unknownField(t, path, k.Value))
			continue
		}
		if r := resolve(val); r != nil && isNull(r) {
			d.nulls[fpath] = d.at(k)
		}
		d.decode(val, fpath, v.FieldByIndex(f.Index))
	}
}

func (d *decoder) unknownField(t reflect.Type, path, name string) string {
	known := fieldNames(t)
	if home, ok := d.home[name]; ok && home != path {
		d.suggested[joinPath(home, name)] = true
		if home == "" {
			return fmt.Sprintf("unknown field; %q belongs at the top level, not under %s", name, path)
		}
		return fmt.Sprintf("unknown field; %q belongs under %s", name, home)
	}
	if s := closest(name, known); s != "" {
		d.suggested[joinPath(path, s)] = true
		return fmt.Sprintf("unknown field; did you mean %q?", s)
	}
	return "unknown field; the fields here are " + strings.Join(known, ", ")
}

func (d *decoder) str(n *yaml.Node, path string, v reflect.Value) {
	switch {
	case n.Kind != yaml.ScalarNode:
		d.fail(n, path, "want a string, got %s", describe(n))
	case n.Tag == "!!bool":
		d.fail(n, path, "want a string, got %s; put it in quotes if you mean the text", n.Value)
	default:
		v.SetString(n.Value)
	}
}

func (d *decoder) boolean(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err == nil {
			v.SetBool(b)
			return
		}
	}
	lower := strings.ToLower(n.Value)
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && (lower == "true" || lower == "false") {
		d.fail(n, path, "want true or false, got the string %s; remove the quotes", describe(n))
		return
	}
	d.fail(n, path, "want true or false, got %s", describe(n))
}

func (d *decoder) integer(n *yaml.Node, path string, v reflect.Value) {
	var i int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
		d.fail(n, path, "want a whole number, got %s", describe(n))
		return
	}
	v.SetInt(int64(i))
}

func (d *decoder) prefix(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want an address prefix such as 192.168.155.0/24, got %s", describe(n))
		return
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(n.Value))
	if err != nil {
		d.fail(n, path, "want an address prefix such as 192.168.155.0/24, got %s", describe(n))
		return
	}
	v.Set(reflect.ValueOf(p))
}

func (d *decoder) text(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want a single value, got %s", describe(n))
		return
	}
	if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
		d.fail(n, path, "%v", err)
	}
}

func (d *decoder) list(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		hint := ""
		if n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf("; write [%s]", n.Value)
		}
		d.fail(n, path, "want a list, got %s%s", describe(n), hint)
		return
	}
	items := make([]string, len(n.Content))
	for i, item := range n.Content {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		if r := resolve(item); r == nil || isNull(r) {
			d.fail(item, ipath, "empty list item; remove it")
			continue
		}
		d.decode(item, ipath, reflect.ValueOf(&items[i]).Elem())
	}
	v.Set(reflect.ValueOf(items))
}

func (d *decoder) values(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of Helm values, got %s", describe(n))
		return
	}
	m, problems := decodeValues(d.file, path, n)
	if len(problems) > 0 {
		d.bad[path] = true
		d.problems = append(d.problems, problems...)
		return
	}
	v.Set(reflect.ValueOf(m))
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 10; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// describe names a value for messages: `"yes"` for a string, `12` for a
// number, "a list", "a mapping".
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!null":
		return "nothing"
	case "!!str":
		s := []rune(n.Value)
		if len(s) > 40 {
			s = append(s[:37], []rune("...")...)
		}
		return strconv.Quote(string(s))
	}
	return n.Value
}

func isMapping(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != prefixType
}

// yamlFields returns the fields of t that the format has.
func yamlFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.Tag.Get("yaml") != "" {
			out = append(out, f)
		}
	}
	return out
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for _, f := range yamlFields(t) {
		if f.Tag.Get("yaml") == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for _, f := range yamlFields(t) {
		names = append(names, f.Tag.Get("yaml"))
	}
	return names
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
