package definition

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseValues parses mc-values.yaml: a mapping of Helm values, or nothing.
func parseValues(file string, data []byte) (map[string]any, Problems) {
	root, problems := parseDocument(file, data)
	if root == nil {
		return map[string]any{}, problems
	}
	if r := resolve(root); r == nil || r.Kind != yaml.MappingNode {
		problems.add(Pos{File: file, Line: root.Line, Col: root.Column}, "",
			"want a mapping of Helm values for the multicluster extension, got %s", describe(root))
		return nil, problems
	}
	m, more := decodeValues(file, "", root)
	return m, append(problems, more...)
}

// decodeValues decodes a mapping of Helm values (field path in file).
// yaml.v3 guards against alias bombs here, and reports duplicate keys; keys
// that are not strings are turned into strings, as Helm wants
// map[string]any all the way down.
func decodeValues(file, path string, n *yaml.Node) (m map[string]any, problems Problems) {
	at := Pos{File: file, Line: n.Line, Col: n.Column}
	defer func() {
		if r := recover(); r != nil {
			problems.add(at, path, "cannot read the values: %v", r)
		}
	}()
	var raw any
	err := n.Decode(&raw)
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te):
		for _, msg := range te.Errors {
			pos := at
			if m := valuesLineRE.FindStringSubmatch(msg); m != nil {
				pos.Line, _ = strconv.Atoi(m[1])
				pos.Col, msg = 0, m[2]
			}
			problems.add(pos, path, "%s", msg)
		}
		return nil, problems
	case err != nil:
		problems.add(at, path, "cannot read the values: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, problems
	}
	m, ok := stringKeys(raw).(map[string]any)
	if !ok {
		problems.add(at, path, "want a mapping of Helm values")
	}
	return m, problems
}

var valuesLineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

func stringKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = stringKeys(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = stringKeys(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = stringKeys(e)
		}
		return v
	}
	return v
}
