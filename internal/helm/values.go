package helm

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/yaml"
)

// Redacted replaces secret values in Command's output.
const Redacted = "<redacted>"

// valuesYAML renders values as Command prints them: sorted keys, nothing
// for no values.
func valuesYAML(values map[string]any) ([]byte, error) {
	if len(values) == 0 {
		return nil, nil
	}
	data, err := yaml.Marshal(values)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	return data, nil
}

// normalizeValues returns what helm itself would get from `-f` of the YAML
// Command prints: a fresh map, numbers as float64, never nil. Comparing
// normalized values ignores map[string]any vs map[string]interface{} and
// int vs float, and Ensure installs exactly what the printed command would.
func normalizeValues(values map[string]any) (map[string]any, error) {
	data, err := valuesYAML(values)
	if err != nil {
		return nil, err
	}
	vals, err := chartutil.ReadValues(data)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	return vals, nil
}

func sameValues(a, b map[string]any) (bool, error) {
	na, err := normalizeValues(a)
	if err != nil {
		return false, err
	}
	nb, err := normalizeValues(b)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(na, nb), nil
}

// redact replaces, in place, the value at each dotted path with Redacted.
// Paths that lead nowhere are ignored: a secret that is absent cannot leak.
func redact(values map[string]any, paths []string) {
	for _, p := range paths {
		keys := splitPath(p)
		if len(keys) == 0 {
			continue
		}
		redactPath(values, keys)
	}
}

func redactPath(node any, keys []string) {
	key, rest := keys[0], keys[1:]
	switch n := node.(type) {
	case map[string]any:
		child, ok := n[key]
		if !ok {
			return
		}
		if len(rest) == 0 {
			n[key] = Redacted
			return
		}
		redactPath(child, rest)
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(n) {
			return
		}
		if len(rest) == 0 {
			n[i] = Redacted
			return
		}
		redactPath(n[i], rest)
	}
}

// splitPath splits "a.b\.c.d" into ["a", "b.c", "d"].
func splitPath(p string) []string {
	var (
		keys []string
		cur  strings.Builder
	)
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p) && p[i+1] == '.':
			cur.WriteByte('.')
			i++
		case p[i] == '.':
			keys = append(keys, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(p[i])
		}
	}
	if p != "" {
		keys = append(keys, cur.String())
	}
	return keys
}
