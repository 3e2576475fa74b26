package helm

import (
	"reflect"
	"strings"
	"testing"
)

func TestSameValues(t *testing.T) {
	tests := []struct {
		name string
		a, b map[string]any
		want bool
	}{
		{"nil and empty", nil, map[string]any{}, true},
		{"int and float", map[string]any{"n": 3}, map[string]any{"n": 3.0}, true},
		{"int32 and int64", map[string]any{"n": int32(3)}, map[string]any{"n": int64(3)}, true},
		{"interface maps", map[string]any{"m": map[string]interface{}{"k": "v"}}, map[string]any{"m": map[string]any{"k": "v"}}, true},
		{"typed and untyped slices", map[string]any{"l": []string{"a", "b"}}, map[string]any{"l": []any{"a", "b"}}, true},
		{"different number", map[string]any{"n": 3}, map[string]any{"n": 4}, false},
		{"string and number", map[string]any{"n": "3"}, map[string]any{"n": 3}, false},
		{"missing key", map[string]any{"a": 1, "b": 2}, map[string]any{"a": 1}, false},
		{"null kept", map[string]any{"a": nil}, map[string]any{}, false},
		{"list order matters", map[string]any{"l": []any{"a", "b"}}, map[string]any{"l": []any{"b", "a"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sameValues(tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("sameValues(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestNormalizeValuesRejectsUnencodable(t *testing.T) {
	_, err := normalizeValues(map[string]any{"ch": make(chan int)})
	if err == nil || !strings.Contains(err.Error(), "values") {
		t.Errorf("normalizeValues(chan) error = %v, want a values error", err)
	}
}

func TestSplitPath(t *testing.T) {
	tests := map[string][]string{
		"a":                             {"a"},
		"identity.issuer.tls.keyPEM":    {"identity", "issuer", "tls", "keyPEM"},
		`podAnnotations.config\.io/x.y`: {"podAnnotations", "config.io/x", "y"},
		"":                              nil,
	}
	for in, want := range tests {
		if got := splitPath(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	vals := map[string]any{
		"a":     map[string]any{"secret": "s1", "public": "p"},
		"list":  []any{map[string]any{"token": "s2"}, "s3"},
		"dot.k": "s4",
		"whole": map[string]any{"x": "s5"},
	}
	redact(vals, []string{"a.secret", "list.0.token", "list.1", `dot\.k`, "whole", "a.nope.deeper", "list.9", "a.public.x"})
	want := map[string]any{
		"a":     map[string]any{"secret": Redacted, "public": "p"},
		"list":  []any{map[string]any{"token": Redacted}, Redacted},
		"dot.k": Redacted,
		"whole": Redacted,
	}
	if !reflect.DeepEqual(vals, want) {
		t.Errorf("redact() = %v, want %v", vals, want)
	}
}
