package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/definition"
)

func TestUsageAndDefinitionErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"crate", "clusters"}, 2, `unknown command "crate" for "localcluster"`},
		{"unknown command suggests", []string{"crate", "clusters"}, 2, "Did you mean this?\n\tcreate"},
		{"unknown subcommand", []string{"images", "lod", "clusters"}, 2, `unknown command "lod" for "localcluster images"`},
		{"no directories", []string{"create"}, 2, "which directories hold the lab? e.g. localcluster create clusters"},
		{"unknown cluster", []string{"create", "--dryrun", "clusters/workshop", "smiley", "nope"}, 2, `"nope"`},
		{"unknown flag", []string{"create", "--dryrn", "clusters"}, 2, "unknown flag: --dryrn"},
		{"missing directory", []string{"info", "no/such/dir"}, 2, "no/such/dir"},
		{"link needs both", []string{"link", "--src", "cdn", "clusters/workshop"}, 2, "give both --src and --dst"},
		{"link unknown", []string{"link", "--src", "cdn", "--dst", "mars", "clusters/workshop"}, 2, `no cluster named "mars" in the lab`},
		{"link self", []string{"link", "--src", "cdn", "--dst", "cdn", "clusters/workshop"}, 2, "cannot link to itself"},
		{"unlink needs both", []string{"unlink", "clusters/workshop"}, 2, "unlink needs --src and --dst"},
		{"bad output", []string{"info", "-o", "xml", "clusters/workshop"}, 2, "-o xml: want table, json or yaml"},
		{"clashing labs", []string{"create", "--dryrun", "clusters/workshop,internal/app/testdata/clash"}, 2, `overlaps cluster "smiley"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := run(t, tt.args...)
			if err == nil {
				t.Fatalf("no error; stdout:\n%s", stdout)
			}
			if got := ExitCode(err); got != tt.code {
				t.Errorf("exit code %d, want %d (err: %v)", got, tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if tt.code == 2 && strings.Contains(stdout, "docker") {
				t.Errorf("a refused command printed a plan:\n%s", stdout)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	if got := ExitCode(nil); got != 0 {
		t.Errorf("nil: %d", got)
	}
	if got := ExitCode(definition.Problems{{Msg: "x"}}); got != 2 {
		t.Errorf("problems: %d", got)
	}
	if got := ExitCode(errors.New("boom")); got != 1 {
		t.Errorf("runtime: %d", got)
	}
}

// A command that only groups others prints its help when called alone.
func TestGroupCommandAloneShowsHelp(t *testing.T) {
	stdout, _, err := run(t, "images")
	if err != nil {
		t.Fatalf("images: %v", err)
	}
	if !strings.Contains(stdout, "Available Commands:") || !strings.Contains(stdout, "load") {
		t.Errorf("images printed no help naming its commands:\n%s", stdout)
	}
}
