package mesh

import (
	"fmt"
	"os"
	"sort"

	"sigs.k8s.io/yaml"
)

// ReadValuesFile reads a Helm values file such as a cluster's mc-values.yaml.
// An empty file gives an empty map.
func ReadValuesFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read values: %w", err)
	}
	values := map[string]any{}
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("read values %s: %w", path, err)
	}
	if values == nil {
		values = map[string]any{}
	}
	return values, nil
}

// MergeValues returns a deep copy of base with over merged into it: maps are
// merged key by key, anything else in over (lists included) replaces what
// base has. Neither argument is modified.
func MergeValues(base, over map[string]any) map[string]any {
	out := copyMap(base)
	for k, v := range over {
		if vm, ok := v.(map[string]any); ok {
			if bm, ok := out[k].(map[string]any); ok {
				out[k] = MergeValues(bm, vm)
				continue
			}
		}
		out[k] = copyValue(v)
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return copyMap(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyMap(e)
		}
		return out
	default:
		return v
	}
}

// setPath sets a dotted path such as "identity.issuer.tls.crtPEM" in values,
// creating the maps on the way.
func setPath(values map[string]any, path []string, v any) {
	m := values
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// Controller is one service-mirror controller of the multicluster chart: it
// mirrors the services of the linked cluster Target into this one.
type Controller struct {
	Target  string // the Link's name, which is the target cluster's name
	Gateway bool   // false for a pod-to-pod link: no gateway probe Service
}

// Entry is the controller as an element of the chart's `controllers` value.
// The gateway flag is always written, so that turning a gateway link into a
// pod-to-pod one (or back) changes the deployed entry.
func (c Controller) Entry() map[string]any {
	return map[string]any{
		"link":    map[string]any{"ref": map[string]any{"name": c.Target}},
		"gateway": map[string]any{"enabled": c.Gateway},
	}
}

// MergeControllers returns a copy of values whose `controllers` list holds an
// entry for each of cs. An existing entry for the same link is merged with
// the new one, the new one winning (so the gateway flag follows the link,
// while options such as logLevel or replicas set earlier are kept); entries
// for other links are kept in place and new ones are appended in order of
// target name. It fails if an existing entry has no link.ref.name.
func MergeControllers(values map[string]any, cs ...Controller) (map[string]any, error) {
	sorted := append([]Controller(nil), cs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Target < sorted[j].Target })
	entries := make([]map[string]any, len(sorted))
	for i, c := range sorted {
		entries[i] = c.Entry()
	}
	return mergeControllerEntries(values, entries)
}

// RemoveController returns a copy of values without the `controllers` entry
// for target, and whether there was one.
func RemoveController(values map[string]any, target string) (map[string]any, bool, error) {
	out := copyMap(values)
	list, err := controllerList(out)
	if err != nil {
		return nil, false, err
	}
	kept := make([]any, 0, len(list))
	removed := false
	for _, e := range list {
		if linkName(e) == target {
			removed = true
			continue
		}
		kept = append(kept, e)
	}
	if removed {
		out["controllers"] = kept
	}
	return out, removed, nil
}

// ControllerTargets lists the link names in values' `controllers`, in order.
func ControllerTargets(values map[string]any) ([]string, error) {
	list, err := controllerList(values)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(list))
	for i, e := range list {
		names[i] = linkName(e)
	}
	return names, nil
}

func mergeControllerEntries(values map[string]any, entries []map[string]any) (map[string]any, error) {
	out := copyMap(values)
	list, err := controllerList(out)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(list))
	for i, e := range list {
		index[linkName(e)] = i
	}
	for _, e := range entries {
		name := linkName(e)
		if i, ok := index[name]; ok {
			old, _ := list[i].(map[string]any)
			list[i] = MergeValues(old, e)
			continue
		}
		index[name] = len(list)
		list = append(list, copyMap(e))
	}
	// No links, no key: the chart's default (an empty list) stays in force
	// and printed values carry no `controllers: null`.
	if len(list) == 0 {
		delete(out, "controllers")
		return out, nil
	}
	out["controllers"] = list
	return out, nil
}

// controllerList returns values' `controllers` as a list of entries and
// checks that each names its link, as the chart's rbac.yaml requires.
func controllerList(values map[string]any) ([]any, error) {
	raw, ok := values["controllers"]
	if !ok || raw == nil {
		return nil, nil
	}
	var list []any
	switch v := raw.(type) {
	case []any:
		list = v
	case []map[string]any:
		list = copyValue(v).([]any)
	default:
		return nil, fmt.Errorf("controllers: want a list, got %T", raw)
	}
	for i, e := range list {
		if _, ok := e.(map[string]any); !ok || linkName(e) == "" {
			return nil, fmt.Errorf("controllers[%d]: link.ref.name is required", i)
		}
	}
	return list, nil
}

func linkName(entry any) string {
	m, _ := entry.(map[string]any)
	link, _ := m["link"].(map[string]any)
	ref, _ := link["ref"].(map[string]any)
	name, _ := ref["name"].(string)
	return name
}
