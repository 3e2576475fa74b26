package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/health"
)

// TestNodeGoneFlow: after create, alpha's node container is stopped, then
// removed, behind localcluster's back. linkerd, group, link, route and lb
// each say which cluster, which container, what happened and the command
// that fixes it, exit 1, and change nothing (no step runs: the lab's
// files, the trust directory and the kubeconfig stay as they were); status
// fails alpha's node check with the same fix. Stand-ins as in TestLabFlow.
func TestNodeGoneFlow(t *testing.T) {
	f := newCreatedFlow(t)
	alpha := f.node("alpha")
	for _, fault := range []struct {
		name, docker, says, fix, status, verb string
	}{
		{"stopped", "stop", "cluster " + alpha.name + ": node container " + alpha.container() + " is exited (stopped outside localcluster)",
			"start it: localcluster start " + f.labDir + " " + alpha.name, "is exited", "localcluster start "},
		{"removed", "rm", "cluster " + alpha.name + " has no node container on Docker network \"" + f.net.Name + "\" (it was removed, or never created)",
			"create it: localcluster create " + f.labDir + " " + alpha.name, "no node container of " + alpha.name, "localcluster create "},
	} {
		t.Run(fault.name, func(t *testing.T) {
			if fault.docker == "stop" {
				f.docker(t, "stop", "-t", "1", alpha.container())
			} else {
				f.docker(t, "rm", "-f", "-v", alpha.container())
			}
			before := f.filesSnapshot(t)
			for _, command := range [][]string{{"linkerd"}, {"group"}, {"link"}, {"route"}, {"lb"}} {
				r := f.run(t, command[0], command[1:]...)
				if r.code != 1 {
					t.Errorf("%s with alpha's node %s: exit %d, want 1", command[0], fault.name, r.code)
				}
				for _, want := range []string{fault.says, fault.fix} {
					if !strings.Contains(r.stderr, want) {
						t.Errorf("%s does not say %q:\n%s", command[0], want, r.stderr)
					}
				}
				if strings.Contains(r.stderr, "• ") {
					t.Errorf("%s ran steps:\n%s", command[0], r.stderr)
				}
			}
			assertSameTree(t, "lab files, trust directory and kubeconfig", before, f.filesSnapshot(t))
			rep, r := f.status(t)
			node := findCheck(rep, alpha.name+"/"+health.CheckNode)
			if r.code != 1 || node.Status != health.Fail || !strings.Contains(node.Message, fault.status) || !strings.Contains(node.Fix, fault.verb) {
				t.Errorf("status with alpha's node %s: exit %d, node check %+v", fault.name, r.code, node)
			}
		})
	}
}

func (f *labFlow) filesSnapshot(t *testing.T) map[string]string {
	t.Helper()
	snap := map[string]string{}
	for _, dir := range []string{f.labDir, filepath.Dir(f.kubeconfig), f.trustDir} {
		if _, err := os.Stat(dir); err != nil {
			snap[dir] = "absent"
			continue
		}
		for k, v := range snapshotTree(t, dir) {
			snap[k] = v
		}
	}
	return snap
}
