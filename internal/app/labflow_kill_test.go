//go:build unix

package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/localcluster/localcluster/internal/testenv"
)

// faultsEnv set to "all" makes TestKillConvergence kill every command at
// every one of its steps (make faults); otherwise it kills at a few points
// chosen by a seed it logs (faultsSeedEnv repeats a run's choice).
const (
	faultsEnv     = "LOCALCLUSTER_FAULTS"
	faultsSeedEnv = "LOCALCLUSTER_FAULTS_SEED"
)

// TestKillConvergence is a property over kill points: a command killed
// with SIGKILL at any point, then run again (and again killed at a later
// point, any number of times), ends where an uninterrupted run ends —
// TestUpFlow's checks of contexts, routes with real packets, releases and
// links hold, a further run changes nothing, every Helm release's last
// revision is deployed, and nothing is left behind: no lab lock, no
// kubeconfig lock or temp file, no certificate temp file. Kill points are
// the commands' own plans (--dryrun -o json): the k-th step to start,
// killed as it starts or a few hundred milliseconds into it. On the way,
// a second invocation while the first runs is refused with the holder's
// pid, and the killed holder's lock blocks nothing.
//
// Stand-ins as in TestLabFlow.
func TestKillConvergence(t *testing.T) {
	testenv.Need(t, "the Docker engine", nil)
	testenv.NeedAPIServers(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(faultsSeedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", faultsSeedEnv, s, err)
		}
		seed = v
	}
	all := os.Getenv(faultsEnv) == "all"
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("kill points chosen with seed %d (%s=%d repeats them; %s=all kills at every step)", seed, faultsSeedEnv, seed, faultsEnv)

	sequences := [][]string{{"create", "linkerd", "group", "link"}, {"up"}}
	if !all {
		sequences = sequences[rng.IntN(2):][:1]
	}
	var total killFigures
	for _, seq := range sequences {
		t.Run(strings.Join(seq, "_"), func(t *testing.T) {
			f := newRunningFlow(t)
			lb := f.serveLoadBalancers(t)
			defer lb.stop()
			tokens := f.fillTokensOnceThere()
			defer tokens.stop()
			for _, command := range seq {
				fig := f.killAndConverge(t, command, rng, all, total.runs == 0)
				total.add(fig)
				if t.Failed() {
					return
				}
			}
			f.checkUpState(t)
			f.wantReleasesDeployed(t)
		})
	}
	t.Logf("figures: %d runs killed at %d kill points (%d distinct steps of %d in the plans), %d commands converged, %d Helm releases found pending after a kill and recovered",
		total.killed, total.runs, len(total.steps), total.planned, total.converged, total.recovered)
}

type killFigures struct {
	runs, killed, planned, converged, recovered int
	steps                                       map[string]bool
}

func (k *killFigures) add(o killFigures) {
	k.runs += o.runs
	k.killed += o.killed
	k.planned += o.planned
	k.converged += o.converged
	k.recovered += o.recovered
	if k.steps == nil {
		k.steps = map[string]bool{}
	}
	for s := range o.steps {
		k.steps[s] = true
	}
}

// killAndConverge runs command killed at its kill points, one run per
// point in increasing order, then to the end, and checks that it
// converged.
func (f *labFlow) killAndConverge(t *testing.T, command string, rng *rand.Rand, all, checkLock bool) killFigures {
	t.Helper()
	titles := f.planTitles(t, command)
	fig := killFigures{planned: len(titles), steps: map[string]bool{}}
	var points []int
	if all {
		for k := 1; k <= len(titles); k++ {
			points = append(points, k)
		}
	} else {
		k1 := 1 + rng.IntN(len(titles))
		points = append(points, k1)
		if k1 < len(titles) {
			points = append(points, k1+1+rng.IntN(len(titles)-k1))
		}
	}
	for i, k := range points {
		delay := []time.Duration{0, 300 * time.Millisecond, 800 * time.Millisecond}[rng.IntN(3)]
		if all {
			delay = []time.Duration{0, 400 * time.Millisecond}[k%2]
		}
		fig.runs++
		step, killed, output := f.runKilledAt(t, command, k, delay, checkLock && i == 0)
		fig.recovered += strings.Count(output, recoveredNote)
		if killed {
			fig.killed++
			fig.steps[command+": "+step] = true
		}
	}
	r := f.run(t, command)
	mustSucceed(t, r)
	fig.recovered += strings.Count(r.stderr, recoveredNote)
	wantUnchanged(t, f.run(t, command))
	f.wantNoLeftovers(t)
	if !t.Failed() {
		fig.converged++
	}
	return fig
}

// planTitles are the titles of command's steps, from its own plan.
func (f *labFlow) planTitles(t *testing.T, command string) []string {
	t.Helper()
	r := f.runQuiet(command, "--dryrun", "-o", "json")
	var p struct {
		Steps []struct {
			Title string `json:"title"`
		} `json:"steps"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &p) != nil || len(p.Steps) == 0 {
		t.Fatalf("%s --dryrun -o json: exit %d\n%s", command, r.code, r.output())
	}
	titles := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		titles[i] = s.Title
	}
	return titles
}

// recoveredNote is what a run logs for a release an earlier, killed run
// left pending.
const recoveredNote = "by an interrupted run; marked failed and upgraded"

var startLine = regexp.MustCompile(`^• (.*) \.\.\.$`)

// runKilledAt runs command and kills it, with its process group, delay
// after the k-th step started. It says which step that was, and false
// when the run ended before, and its output. With checkLock, a second invocation is made
// while the first holds the lab and must be refused.
func (f *labFlow) runKilledAt(t *testing.T, command string, k int, delay time.Duration, checkLock bool) (string, bool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), flowCommandTimeout)
	defer cancel()
	cmd := f.command(ctx, command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, stdout strings.Builder // stdout is written by exec's goroutine
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started, step, killed := 0, "", false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		m := startLine.FindStringSubmatch(line)
		if m == nil || killed {
			continue
		}
		if started++; started == k {
			step = m[1]
			if checkLock {
				f.wantLabBusy(t, command, cmd.Process.Pid)
			}
			time.Sleep(delay)
			killed = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) == nil
		}
	}
	_, _ = io.Copy(io.Discard, stderr)
	err = cmd.Wait()
	if killed {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			killed = false // it had exited before the signal
		}
	}
	t.Logf("localcluster %s killed at step %d of the run (%q) after %s: killed %v (%v)\n%s%s", command, k, step, delay, killed, err, stdout.String(), out.String())
	return step, killed, out.String()
}

// wantLabBusy: a second invocation while pid runs command on the lab is
// refused with exit 3, naming pid and the command.
func (f *labFlow) wantLabBusy(t *testing.T, command string, pid int) {
	t.Helper()
	r := f.runQuiet(command)
	want := fmt.Sprintf("another localcluster (pid %d, %q) is working on this lab (network %q); wait for it to finish, or stop it",
		pid, "localcluster "+command+" --trust-dir "+f.trustDir+" "+f.labDir, f.net.Name)
	if r.code != ExitLabBusy || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "• ") {
		t.Errorf("a second %s while pid %d works on the lab: exit %d\n%s\nwant exit %d, no step run, and %s", command, pid, r.code, r.output(), ExitLabBusy, want)
	}
}

// wantNoLeftovers: no lab lock, no kubeconfig lock or temp file, no
// temp file anywhere in the work directory.
func (f *labFlow) wantNoLeftovers(t *testing.T) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(f.runtimeDir(), "localcluster"))
	for _, e := range entries {
		t.Errorf("lab lock file left: %s", e.Name())
	}
	_ = filepath.WalkDir(f.work, func(path string, d os.DirEntry, err error) error {
		if err != nil || path == f.home {
			if d != nil && d.IsDir() && path == f.home {
				return filepath.SkipDir
			}
			return err
		}
		name := d.Name()
		if strings.HasSuffix(name, ".lock") || strings.HasSuffix(name, ".tmp") || strings.Contains(name, ".tmp-") {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
}

// wantReleasesDeployed: in every cluster, every Helm release's newest
// revision is deployed; interrupted ones are failed, none pending.
func (f *labFlow) wantReleasesDeployed(t *testing.T) {
	t.Helper()
	for _, n := range f.nodes {
		secrets, err := f.kube(t, n).cs.CoreV1().Secrets("").List(t.Context(), metav1.ListOptions{LabelSelector: "owner=helm"})
		if err != nil {
			t.Fatal(err)
		}
		newest := map[string]int{}
		status := map[string]string{}
		for _, s := range secrets.Items {
			rel := s.Namespace + "/" + s.Labels["name"]
			v, _ := strconv.Atoi(s.Labels["version"])
			if strings.HasPrefix(s.Labels["status"], "pending") {
				t.Errorf("%s: release %s revision %d is %s", n.short, rel, v, s.Labels["status"])
			}
			if v > newest[rel] {
				newest[rel], status[rel] = v, s.Labels["status"]
			}
		}
		if len(newest) == 0 {
			t.Errorf("%s: no Helm releases", n.short)
		}
		for rel, st := range status {
			if st != "deployed" {
				t.Errorf("%s: release %s's newest revision %d is %s, want deployed", n.short, rel, newest[rel], st)
			}
		}
	}
}
