package app

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// writeGeneratedLab writes n IPv6-only kind clusters in groups of ten: a
// lab that large cannot be IPv4 (16 nybbles), but byte IDs go to 255.
func writeGeneratedLab(tb testing.TB, root string, n int) {
	tb.Helper()
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("c%03d", i)
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		body := fmt.Sprintf("kind: SMA-cluster\napiVersion: sma.buoyant.io/v1alpha1\nmetadata:\n  name: %s\nspec:\n  subnet: %02X/0\n  v4Enabled: false\n  v6Enabled: true\n  provider: kind\n  group: g%d\n",
			name, i, i%10)
		if err := os.WriteFile(filepath.Join(dir, "sma.yaml"), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkDryRunProcess runs the built binary's `create --dryrun` as a
// user would and reports the process's wall time and peak RSS. Targets:
// under 50 ms (seven clusters) and 300 ms (100 clusters), under 100 MB.
func BenchmarkDryRunProcess(b *testing.B) {
	bin := binary(b)
	gen := b.TempDir()
	writeGeneratedLab(b, gen, 100)
	labs := []struct{ name, dir string }{
		{"workshop-7", "../../clusters/workshop"},
		{"generated-100", gen},
	}
	for _, lab := range labs {
		b.Run(lab.name, func(b *testing.B) {
			var wall time.Duration
			var peak int64
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(bin, "create", "--dryrun", lab.dir)
				cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/docker.sock")
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				wall += time.Since(start)
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
					peak = ru.Maxrss
				}
			}
			b.ReportMetric(float64(wall.Microseconds())/1000/float64(b.N), "ms/run")
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
		})
	}
}
