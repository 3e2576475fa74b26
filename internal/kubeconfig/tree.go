package kubeconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"

	"gopkg.in/yaml.v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// The top-level keys of a kubeconfig that Merge and Remove change.
const (
	clustersKey = "clusters"
	contextsKey = "contexts"
	usersKey    = "users"
	currentKey  = "current-context"
)

// emptyConfig is what kubectl writes for a config with nothing in it.
const emptyConfig = `apiVersion: v1
clusters: []
contexts: []
current-context: ""
kind: Config
preferences: {}
users: []
`

// tree is a kubeconfig file as a YAML tree. Only the entries a change is
// about are touched; everything else, comments and fields client-go does
// not know about included, is encoded back as it was read.
type tree struct {
	doc  *yaml.Node // the document node, which carries its comments
	root *yaml.Node // the top-level mapping
}

func parseTree(data []byte) (*tree, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte(emptyConfig)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) { // nothing but comments
		return parseTree([]byte(emptyConfig))
	}
	if err != nil {
		return nil, fmt.Errorf("is not valid YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		// Writing back only the first document would drop the others.
		return nil, errors.New("holds more than one YAML document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("is not a YAML document")
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return parseTree([]byte(emptyConfig))
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("holds a %s, not a mapping of kubeconfig fields", kindName(root))
	}
	if root.Style&yaml.FlowStyle != 0 {
		// A JSON kubeconfig: write it back as block YAML, as kubectl would,
		// rather than as one long flow-style line.
		blockStyle(root)
	}
	return &tree{doc: &doc, root: root}, nil
}

func (t *tree) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(t.doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// list returns the sequence under key, creating it (or replacing a null)
// when create is set; nil if there is none and create is not set.
func (t *tree) list(key string, create bool) (*yaml.Node, error) {
	v := mapValue(t.root, key)
	switch {
	case v != nil && v.Kind == yaml.SequenceNode:
		return v, nil
	case v != nil && (v.Kind != yaml.ScalarNode || v.Tag != "!!null"):
		return nil, fmt.Errorf("%s is a %s, not a list", key, kindName(v))
	case !create:
		return nil, nil
	case v != nil:
		v.Kind, v.Tag, v.Value, v.Style = yaml.SequenceNode, "!!seq", "", 0
		return v, nil
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	t.root.Content = append(t.root.Content, scalar(key), seq)
	return seq, nil
}

// entry returns the first entry called name in the list under key.
func (t *tree) entry(key, name string) *yaml.Node {
	seq, err := t.list(key, false)
	if err != nil || seq == nil {
		return nil
	}
	for _, item := range seq.Content {
		if entryName(item) == name {
			return item
		}
	}
	return nil
}

// upsert makes item the entry called name in the list under key: in place of
// an existing one (dropping duplicates, which kubectl would ignore anyway) or
// appended. It reports whether anything changed.
func (t *tree) upsert(key, name string, item *yaml.Node) (bool, error) {
	seq, err := t.list(key, true)
	if err != nil {
		return false, err
	}
	changed, found := false, false
	kept := make([]*yaml.Node, 0, len(seq.Content)+1)
	for _, old := range seq.Content {
		switch {
		case entryName(old) != name:
			kept = append(kept, old)
		case found:
			changed = true
		case sameValue(old, item):
			found = true
			kept = append(kept, old)
		default:
			found, changed = true, true
			item.HeadComment = old.HeadComment
			kept = append(kept, item)
		}
	}
	if !found {
		kept = append(kept, item)
		changed = true
		seq.Style &^= yaml.FlowStyle // "clusters: []" would keep new entries on one line
	}
	seq.Content = kept
	return changed, nil
}

// remove drops the entries with any of names from the list under key and
// reports whether there were any.
func (t *tree) remove(key string, names ...string) (bool, error) {
	seq, err := t.list(key, false)
	if err != nil || seq == nil {
		return false, err
	}
	kept := make([]*yaml.Node, 0, len(seq.Content))
	for _, item := range seq.Content {
		if !slices.Contains(names, entryName(item)) {
			kept = append(kept, item)
		}
	}
	changed := len(kept) != len(seq.Content)
	seq.Content = kept
	return changed, nil
}

func (t *tree) currentContext() string {
	v := mapValue(t.root, currentKey)
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return ""
	}
	return v.Value
}

// setCurrentContext sets current-context and reports whether it changed.
func (t *tree) setCurrentContext(name string) bool {
	if t.currentContext() == name {
		return false
	}
	value := scalar(name)
	if v := mapValue(t.root, currentKey); v != nil {
		value.HeadComment, value.LineComment, value.FootComment = v.HeadComment, v.LineComment, v.FootComment
		*v = *value
		return true
	}
	t.root.Content = append(t.root.Content, scalar(currentKey), value)
	return true
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func entryName(item *yaml.Node) string {
	v := mapValue(item, "name")
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

// sameValue compares what two nodes mean, not how they are written.
func sameValue(a, b *yaml.Node) bool {
	var va, vb any
	if a.Decode(&va) != nil || b.Decode(&vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// scalar makes a string node that reads back as the same string in YAML 1.1
// too, which client-go speaks: plain y, no or on would be booleans there.
func scalar(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if !plainIsString(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// plainIsString reports whether s, written unquoted, is the string s to a
// YAML 1.1 reader. (The encoder itself takes care of YAML 1.2.)
func plainIsString(s string) bool {
	var v any
	return sigsyaml.Unmarshal([]byte(s), &v) == nil && v == any(s)
}

// blockStyle turns JSON into ordinary YAML: block collections, and strings
// unquoted where that does not change what they mean.
func blockStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Style == yaml.DoubleQuotedStyle && plainIsString(n.Value) {
		n.Style = 0
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "YAML alias"
	default:
		return "scalar"
	}
}
