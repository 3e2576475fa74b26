package health

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// chromiumNames are the headless Chromium binaries Debian packages.
var chromiumNames = []string{"chromium-headless-shell", "chromium"}

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("no headless Chromium (%s) on PATH: run make test, which installs Debian's chromium-headless-shell", strings.Join(chromiumNames, ", "))
	return ""
}

// TestSVGInBrowser renders the SVG in a real browser, headless Chromium:
// the screenshot must not be blank and must show the status colours, and
// the browser must lay out every cluster's name with a size (measured by
// the page's own script through getBBox).
func TestSVGInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs headless Chromium")
	}
	bin := chromium(t)
	r := workshopReport()
	var svg bytes.Buffer
	if err := WriteSVG(&svg, r); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	svgPath := filepath.Join(dir, "lab.svg")
	if err := os.WriteFile(svgPath, svg.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	w, h := svgSize(t, svg.String())

	pngPath := filepath.Join(dir, "lab.png")
	browse(t, bin, "--screenshot="+pngPath, fmt.Sprintf("--window-size=%d,%d", w, h), "file://"+svgPath)
	img := readPNG(t, pngPath)
	if keep := os.Getenv("LOCALCLUSTER_KEEP_PNG"); keep != "" {
		data, _ := os.ReadFile(pngPath)
		_ = os.WriteFile(keep, data, 0o644)
	}
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	nonWhite, green, red := 0, 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			r, g, bl, _ := c.RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r < 245 || g < 245 || bl < 245 {
				nonWhite++
			}
			if near(r, g, bl, 0x2e, 0x7d, 0x32) {
				green++
			}
			if near(r, g, bl, 0xc6, 0x28, 0x28) {
				red++
			}
		}
	}
	total := b.Dx() * b.Dy()
	if nonWhite < total/50 {
		t.Errorf("the screenshot is nearly blank: %d of %d pixels are not white", nonWhite, total)
	}
	if green < 200 || red < 200 {
		t.Errorf("the screenshot shows %d pixels of the healthy green and %d of the failing red, want both", green, red)
	}

	// The names, as the browser lays them out.
	page := fmt.Sprintf(`<!doctype html><html><body style="margin:0">%s<pre id="out"></pre><script>
var out = [];
document.querySelectorAll("svg text").forEach(function (t) {
  var b = t.getBBox();
  out.push(t.textContent + "|" + Math.round(b.width) + "x" + Math.round(b.height));
});
document.getElementById("out").textContent = out.join("\n");
</script></body></html>`, svg.String())
	pagePath := filepath.Join(dir, "lab.html")
	if err := os.WriteFile(pagePath, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := browse(t, bin, "--dump-dom", "file://"+pagePath)
	laid := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([^|\n<>]+)\|(\d+)x(\d+)$`).FindAllStringSubmatch(dom, -1) {
		if m[2] != "0" && m[3] != "0" {
			laid[m[1]] = true
		}
	}
	for _, c := range r.Clusters {
		if !laid[c.Name] {
			t.Errorf("cluster %s is not laid out as text in the browser; texts with a size: %v", c.Name, laid)
		}
	}
}

func browse(t *testing.T, bin string, args ...string) string {
	t.Helper()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--user-data-dir=" + t.TempDir()}, args...)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func svgSize(t *testing.T, svg string) (w, h int) {
	t.Helper()
	if _, err := fmt.Sscanf(svg[strings.Index(svg, `width="`):], `width="%d" height="%d"`, &w, &h); err != nil {
		t.Fatalf("no size in the SVG: %v", err)
	}
	return w, h
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func near(r, g, b, wr, wg, wb uint32) bool {
	d := func(a, b uint32) uint32 {
		if a > b {
			return a - b
		}
		return b - a
	}
	return d(r, wr) < 24 && d(g, wg) < 24 && d(b, wb) < 24
}
