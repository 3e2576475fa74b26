package mesh

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func entry(name string, extra map[string]any) map[string]any {
	e := map[string]any{"link": map[string]any{"ref": map[string]any{"name": name}}}
	for k, v := range extra {
		e[k] = v
	}
	return e
}

func TestMergeValues(t *testing.T) {
	base := map[string]any{
		"gateway": map[string]any{"enabled": false, "port": 4143},
		"list":    []any{"a"},
		"keep":    "x",
	}
	over := map[string]any{
		"gateway": map[string]any{"enabled": true, "probe": map[string]any{"port": 1}},
		"list":    []any{"b", "c"},
	}
	got := MergeValues(base, over)
	want := map[string]any{
		"gateway": map[string]any{"enabled": true, "port": 4143, "probe": map[string]any{"port": 1}},
		"list":    []any{"b", "c"},
		"keep":    "x",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MergeValues = %#v, want %#v", got, want)
	}
	// Neither input may change, nor share maps with the result.
	got["gateway"].(map[string]any)["probe"].(map[string]any)["port"] = 2
	if base["gateway"].(map[string]any)["enabled"] != false || over["gateway"].(map[string]any)["probe"].(map[string]any)["port"] != 1 {
		t.Errorf("MergeValues changed its inputs: base %v over %v", base, over)
	}
}

func TestMergeControllers(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string]any
		add     []Controller
		want    []any
		wantErr string
	}{{
		name: "into empty values, sorted by target",
		add:  []Controller{{Target: "zeta", Gateway: true}, {Target: "alpha"}},
		want: []any{
			entry("alpha", map[string]any{"gateway": map[string]any{"enabled": false}}),
			entry("zeta", map[string]any{"gateway": map[string]any{"enabled": true}}),
		},
	}, {
		name: "existing entry keeps its options, gateway flag follows the link",
		values: map[string]any{"controllers": []any{
			entry("other", map[string]any{"replicas": 2}),
			entry("b", map[string]any{"logLevel": "debug", "gateway": map[string]any{"enabled": true, "probe": map[string]any{"port": 4191}}}),
		}},
		add: []Controller{{Target: "b", Gateway: false}, {Target: "c", Gateway: true}},
		want: []any{
			entry("other", map[string]any{"replicas": 2}),
			entry("b", map[string]any{"logLevel": "debug", "gateway": map[string]any{"enabled": false, "probe": map[string]any{"port": 4191}}}),
			entry("c", map[string]any{"gateway": map[string]any{"enabled": true}}),
		},
	}, {
		name:    "entry without a link name",
		values:  map[string]any{"controllers": []any{map[string]any{"logLevel": "debug"}}},
		add:     []Controller{{Target: "b"}},
		wantErr: "controllers[0]: link.ref.name is required",
	}, {
		name:    "controllers not a list",
		values:  map[string]any{"controllers": "b"},
		wantErr: "controllers: want a list, got string",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MergeControllers(tt.values, tt.add...)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("MergeControllers error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got["controllers"], tt.want) {
				t.Errorf("controllers = %#v\nwant %#v", got["controllers"], tt.want)
			}
			again, err := MergeControllers(got, tt.add...)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("merging the same controllers twice changed the values: %#v", again)
			}
		})
	}
}

func TestRemoveController(t *testing.T) {
	values := map[string]any{"controllers": []any{entry("a", nil), entry("b", map[string]any{"logLevel": "debug"})}, "x": 1}
	got, removed, err := RemoveController(values, "a")
	if err != nil || !removed {
		t.Fatalf("RemoveController(a) = removed %v, err %v", removed, err)
	}
	if names, _ := ControllerTargets(got); !reflect.DeepEqual(names, []string{"b"}) {
		t.Errorf("after removing a, controllers = %v, want [b]", names)
	}
	if names, _ := ControllerTargets(values); len(names) != 2 {
		t.Errorf("RemoveController changed its input: %v", names)
	}
	_, removed, err = RemoveController(got, "a")
	if err != nil || removed {
		t.Errorf("removing a twice: removed %v, err %v; want false, nil", removed, err)
	}
}

func TestReadValuesFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mc-values.yaml")
	if err := os.WriteFile(file, []byte("controllers:\n- link:\n    ref:\n      name: east\n  logLevel: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadValuesFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if names, err := ControllerTargets(got); err != nil || !reflect.DeepEqual(names, []string{"east"}) {
		t.Errorf("controllers = %v (%v), want [east]", names, err)
	}
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadValuesFile(empty); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty file = %v, %v; want an empty map", got, err)
	}
	if _, err := ReadValuesFile(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error = %v, want not-exist", err)
	}
}
