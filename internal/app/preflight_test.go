package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWarnInotify(t *testing.T) {
	limit := filepath.Join(t.TempDir(), "max_user_instances")
	if err := os.WriteFile(limit, []byte("128\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		clusters int
		file     string
		want     string
	}{
		{7, limit, "fs.inotify.max_user_instances is 128; 7 clusters want about 896"},
		{1, limit, ""},
		{7, filepath.Join(t.TempDir(), "absent"), ""},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		warnInotify(&b, tt.clusters, tt.file)
		if (tt.want == "") != (b.Len() == 0) || !strings.Contains(b.String(), tt.want) {
			t.Errorf("%d clusters, %s: got %q, want %q", tt.clusters, tt.file, b.String(), tt.want)
		}
	}
}
