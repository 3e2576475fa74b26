package app

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestImagesLoadArgs: images load goes through the lab-command skeleton
// with arguments of its own (DIRS IMAGE...): without an image it is a
// usage error that says what to type, and it has the skeleton's -o json.
func TestImagesLoadArgs(t *testing.T) {
	t.Run("no image", func(t *testing.T) {
		out, _, err := run(t, "images", "load", "clusters/workshop")
		if ExitCode(err) != 2 {
			t.Fatalf("exit code %d (%v), want 2", ExitCode(err), err)
		}
		if want := "which images? e.g. localcluster images load clusters IMAGE..."; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
		if out != "" {
			t.Errorf("printed %q; nothing should run", out)
		}
	})
	t.Run("json plan", func(t *testing.T) {
		out, _, err := run(t, "images", "load", "--dryrun", "-o", "json", "clusters/workshop", "my-app:dev")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Steps []struct {
				ID    string   `json:"id"`
				Needs []string `json:"needs"`
			} `json:"steps"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if len(doc.Steps) < 2 || doc.Steps[0].ID != "images/save" {
			t.Fatalf("steps %+v, want images/save first, then one load per cluster", doc.Steps)
		}
		for _, s := range doc.Steps[1:] {
			if len(s.Needs) != 1 || s.Needs[0] != "images/save" {
				t.Errorf("step %s needs %v, want images/save", s.ID, s.Needs)
			}
		}
	})
}
