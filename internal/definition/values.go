package definition

import "gopkg.in/yaml.v3"

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
