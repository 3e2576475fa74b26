package definition

import (
	"fmt"
	"reflect"
)

// settingsMerge combines the lab.yaml files of several given directories:
// a field set in one file is taken as is, a field set in several must have
// the same value everywhere.
type settingsMerge struct {
	settings Settings
	pos      map[string]Pos
	problems Problems
}

// add merges the settings of one lab.yaml, whose positions are pos.
func (m *settingsMerge) add(s Settings, pos map[string]Pos) {
	if m.pos == nil {
		m.pos = map[string]Pos{}
	}
	m.merge(reflect.ValueOf(&m.settings).Elem(), reflect.ValueOf(s), pos, "spec")
}

func (m *settingsMerge) merge(dst, src reflect.Value, pos map[string]Pos, path string) {
	t := dst.Type()
	for _, f := range yamlFields(t) {
		fpath := joinPath(path, f.Tag.Get("yaml"))
		srcPos, set := pos[fpath]
		if !set {
			continue
		}
		d, s := dst.FieldByIndex(f.Index), src.FieldByIndex(f.Index)
		if _, ok := m.pos[fpath]; !ok {
			m.pos[fpath] = srcPos
			if !isMapping(f.Type) {
				d.Set(s)
				continue
			}
		}
		if isMapping(f.Type) {
			m.merge(d, s, pos, fpath)
			continue
		}
		if !reflect.DeepEqual(d.Interface(), s.Interface()) {
			m.problems.add(srcPos, fpath, "%s; lab.yaml files in different directories must agree: make them equal or keep one",
				conflict(d, s, m.pos[fpath]))
		}
	}
}

// conflict says how a field differs from what another lab.yaml set.
func conflict(first, here reflect.Value, firstPos Pos) string {
	if first.Kind() == reflect.Map {
		return fmt.Sprintf("these values differ from the ones in %s", firstPos)
	}
	return fmt.Sprintf("%s here but %s in %s", show(here), show(first), firstPos)
}

func show(v reflect.Value) string {
	if v.Kind() == reflect.String {
		return fmt.Sprintf("%q", v.String())
	}
	return fmt.Sprint(v.Interface())
}
