package definition

import (
	"errors"
	"fmt"
	"strings"
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

func TestProblemsCapped(t *testing.T) {
	var ps Problems
	for i := MaxShown + 25; i > 0; i-- {
		ps.add(Pos{File: fmt.Sprintf("c%03d/sma.yaml", i), Line: 1}, "kind", "missing")
	}
	lines := strings.Split(ps.Error(), "\n")
	if len(lines) != MaxShown+1 {
		t.Fatalf("got %d lines, want %d", len(lines), MaxShown+1)
	}
	if lines[0] != "c001/sma.yaml:1: kind: missing" {
		t.Errorf("first line %q: want the first problem in file order", lines[0])
	}
	if want := "... and 25 more problems; fix these and run again to see the rest"; lines[MaxShown] != want {
		t.Errorf("last line %q, want %q", lines[MaxShown], want)
	}
	ps = ps[:MaxShown]
	if got := strings.Count(ps.Error(), "\n") + 1; got != MaxShown {
		t.Errorf("%d problems gave %d lines", MaxShown, got)
	}
}
