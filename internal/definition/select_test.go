package definition

import (
	"errors"
	"reflect"
	"testing"
)

func TestSplitDirs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"clusters", []string{"clusters"}},
		{"clusters,more", []string{"clusters", "more"}},
		{" clusters , more/east ", []string{"clusters", "more/east"}},
		{"clusters,,more,", []string{"clusters", "more"}},
		{".", []string{"."}},
		{"", nil},
		{" , ,", nil},
	}
	for _, tt := range tests {
		if got := SplitDirs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitDirs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func testLab(names ...string) *Lab {
	lab := &Lab{}
	for _, n := range names {
		lab.Clusters = append(lab.Clusters, &Cluster{Name: n})
	}
	return lab
}

func TestSelect(t *testing.T) {
	lab := testLab("cdn", "color", "faces", "smiley")
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{name: "all", args: nil, want: []string{"cdn", "color", "faces", "smiley"}},
		{name: "some, in the order given", args: []string{"smiley", "cdn"}, want: []string{"smiley", "cdn"}},
		{name: "repeated", args: []string{"faces", "faces"}, want: []string{"faces"}},
		{name: "one unknown", args: []string{"smily"},
			wantErr: `unknown cluster "smily" (did you mean "smiley"?); the lab has cdn, color, faces, smiley`},
		{name: "several unknown", args: []string{"faces", "nope", "colour", "nope"},
			wantErr: `unknown clusters "nope", "colour" (did you mean "color"?); the lab has cdn, color, faces, smiley`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lab.Select(tt.args)
			if tt.wantErr != "" {
				var unknown *UnknownClustersError
				if !errors.As(err, &unknown) || err.Error() != tt.wantErr {
					t.Fatalf("Select(%q) error = %v; want %q", tt.args, err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("Select returned clusters along with an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range got {
				names = append(names, c.Name)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("Select(%q) = %q, want %q", tt.args, names, tt.want)
			}
		})
	}
	all, _ := lab.Select(nil)
	all[0] = nil
	if lab.Clusters[0] == nil {
		t.Errorf("Select(nil) returned the lab's own slice")
	}
}

func TestSelectEmptyLab(t *testing.T) {
	_, err := testLab().Select([]string{"x"})
	if err == nil || err.Error() != `unknown cluster "x"; the lab has no clusters` {
		t.Errorf("got %v", err)
	}
}

func TestLabCluster(t *testing.T) {
	lab := testLab("a", "b")
	if c := lab.Cluster("b"); c == nil || c.Name != "b" {
		t.Errorf("Cluster(b) = %v", c)
	}
	if c := lab.Cluster("c"); c != nil {
		t.Errorf("Cluster(c) = %v, want nil", c)
	}
}
