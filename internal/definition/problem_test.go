package definition

import (
	"errors"
	"fmt"
	"testing"
)

func TestPosString(t *testing.T) {
	tests := []struct {
		pos  Pos
		want string
	}{
		{Pos{File: "clusters/smiley/sma.yaml", Line: 7, Col: 11}, "clusters/smiley/sma.yaml:7:11"},
		{Pos{File: "clusters/smiley/sma.yaml", Line: 7}, "clusters/smiley/sma.yaml:7"},
		{Pos{File: "clusters/smiley/sma.yaml"}, "clusters/smiley/sma.yaml"},
		{Pos{File: "clusters/smiley/sma.yaml", Col: 3}, "clusters/smiley/sma.yaml"},
		{Pos{Line: 3, Col: 4}, "3:4"},
		{Pos{}, ""},
	}
	for _, tt := range tests {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.pos, got, tt.want)
		}
	}
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{Pos{"a/sma.yaml", 7, 11}, "spec.subnet", "bad"}, "a/sma.yaml:7:11: spec.subnet: bad"},
		{Problem{Pos{File: "a/sma.yaml"}, "", "the file is empty"}, "a/sma.yaml: the file is empty"},
		{Problem{Pos{}, "", "no directories given"}, "no directories given"},
		{Problem{Pos{}, "spec", "missing"}, "spec: missing"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestProblemsSortedAndMatchable(t *testing.T) {
	ps := Problems{
		{Pos{"b/sma.yaml", 2, 1}, "kind", "x"},
		{Pos{"a/sma.yaml", 10, 1}, "spec", "y"},
		{Pos{"a/sma.yaml", 9, 5}, "metadata", "z"},
		{Pos{File: "a/sma.yaml"}, "", "w"},
	}
	want := "a/sma.yaml: w\na/sma.yaml:9:5: metadata: z\na/sma.yaml:10:1: spec: y\nb/sma.yaml:2:1: kind: x"
	if got := ps.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if ps[0].Pos.File != "b/sma.yaml" {
		t.Errorf("Error() reordered the problems it was called on")
	}
	var target Problems
	if err := fmt.Errorf("loading: %w", ps); !errors.As(err, &target) || len(target) != 4 {
		t.Errorf("errors.As did not find Problems in a wrapped error")
	}
}
