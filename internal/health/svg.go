package health

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Layout of the SVG picture, in pixels.
const (
	svgMargin   = 24
	svgTitleH   = 96
	svgLegendH  = 64
	svgBoxW     = 200
	svgBoxH     = 58
	svgRowGap   = 46
	svgColGap   = 150
	svgGroupPad = 18
	svgGroupTop = 30
)

type svgBox struct {
	x, y float64
	col  int
	c    ClusterReport
}

func (b svgBox) cx() float64 { return b.x + svgBoxW/2 }
func (b svgBox) cy() float64 { return b.y + svgBoxH/2 }

// WriteSVG draws the lab as a self-contained SVG: a column per group, a
// box per cluster, an arrow per link (dashed through a gateway), each
// coloured by health, with a title and a legend. It needs no fonts or
// programs beyond a browser.
func WriteSVG(w io.Writer, r *Report) error {
	names, members := groups(r)
	boxes := map[string]svgBox{}
	rows := 0
	for col, g := range names {
		for row, c := range members[g] {
			x := float64(svgMargin + svgGroupPad + col*(svgBoxW+2*svgGroupPad+svgColGap))
			y := float64(svgMargin + svgTitleH + svgGroupTop + row*(svgBoxH+svgRowGap))
			boxes[c.Name] = svgBox{x: x, y: y, col: col, c: c}
		}
		rows = max(rows, len(members[g]))
	}
	cols := max(len(names), 1)
	width := 2*svgMargin + cols*(svgBoxW+2*svgGroupPad) + (cols-1)*svgColGap
	width = max(width, 560)
	groupsH := svgGroupTop + rows*(svgBoxH+svgRowGap) - svgRowGap + svgGroupPad
	height := 2*svgMargin + svgTitleH + groupsH + svgLegendH

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`+"\n",
		width, height, width, height)
	b.WriteString(`<defs>`)
	for _, s := range []Status{OK, Warn, Unknown, Fail} {
		fmt.Fprintf(&b, `<marker id="arrow-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`, s, colours[s][1])
	}
	b.WriteString("</defs>\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	verdictColour := colours[OK][1]
	if !r.Healthy {
		verdictColour = colours[Fail][1]
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="20" font-weight="bold" fill="#212121">Lab on network %s</text>`+"\n", svgMargin, svgMargin+20, esc(r.Network))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="14" fill="%s">%s</text>`+"\n", svgMargin, svgMargin+42, verdictColour, esc(Verdict(r)))

	for col, g := range names {
		if g == "" {
			continue
		}
		x := svgMargin + col*(svgBoxW+2*svgGroupPad+svgColGap)
		y := svgMargin + svgTitleH
		h := svgGroupTop + len(members[g])*(svgBoxH+svgRowGap) - svgRowGap + svgGroupPad
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="12" fill="#f7f7fb" stroke="#9e9e9e" stroke-dasharray="4 3"/>`+"\n", x, y, svgBoxW+2*svgGroupPad, h)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#616161">group %s</text>`+"\n", x+12, y+20, esc(g))
	}
	for _, e := range edges(r) {
		from, ok1 := boxes[e.from]
		to, ok2 := boxes[e.to]
		if !ok1 || !ok2 {
			continue
		}
		writeEdge(&b, from, to, e)
	}
	for _, g := range names {
		for _, c := range members[g] {
			writeBox(&b, boxes[c.Name])
		}
	}
	writeLegend(&b, height-svgMargin-svgLegendH+24)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeBox(b *strings.Builder, box svgBox) {
	c := box.c
	fill, stroke := colours[c.Status][0], colours[c.Status][1]
	fmt.Fprintf(b, `<g><title>%s</title>`, esc(c.Name+": "+string(c.Status)))
	fmt.Fprintf(b, `<rect x="%.0f" y="%.0f" width="%d" height="%d" rx="10" fill="%s" stroke="%s" stroke-width="2.5"/>`, box.x, box.y, svgBoxW, svgBoxH, fill, stroke)
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="16" font-weight="bold" fill="#212121" text-anchor="middle">%s</text>`, box.cx(), box.y+24, esc(c.Name))
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="12" fill="%s" text-anchor="middle">%s</text></g>`+"\n", box.cx(), box.y+44, stroke, esc(truncate(clusterCaption(c), 30)))
}

// writeEdge draws a link from its source to its target. Links within a
// column bow out to the right (downward) or left (upward) so that the two
// directions of a pair and the boxes between stay clear; links between
// columns leave and enter at the sides, the two directions a little
// apart.
func writeEdge(b *strings.Builder, from, to svgBox, e edge) {
	stroke := colours[e.status][1]
	dash := ""
	if e.mode == ModeGateway {
		dash = ` stroke-dasharray="7 5"`
	}
	var path string
	var lx, ly float64
	rowDist := math.Round(math.Abs(to.y-from.y) / (svgBoxH + svgRowGap))
	colDist := math.Abs(float64(to.col - from.col))
	switch {
	case colDist == 0:
		// Alternate sides by distance so that the arcs of a column
		// spread out; the two directions of a pair stay apart.
		side := 1.0
		if int(rowDist)%2 == 0 {
			side = -1
		}
		off := 8.0
		if to.y < from.y {
			off = -8
		}
		x := from.cx() + side*svgBoxW/2
		bow := side * (30 + 18*rowDist)
		y1, y2 := from.cy()+off, to.cy()+off
		path = fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x, y1, x+bow, y1, x+bow, y2, x+side*3, y2)
		lx, ly = x+bow*0.75+side*4, (y1+y2)/2
	case colDist > 1:
		// Across columns between: over the top, clear of the boxes.
		top := float64(svgMargin + svgTitleH - 4)
		x1, y1 := from.cx(), from.y
		x2, y2 := to.cx(), to.y-3
		path = fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x1, y1, x1, top-40, x2, top-40, x2, y2)
		lx, ly = (x1+x2)/2, top-12
	default:
		dir := 1.0
		if to.x < from.x {
			dir = -1
		}
		off := 8.0
		if dir < 0 {
			off = -8
		}
		x1, y1 := from.cx()+dir*svgBoxW/2, from.cy()+off
		x2, y2 := to.cx()-dir*(svgBoxW/2+3), to.cy()+off
		path = fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x1, y1, (x1+x2)/2, y1, (x1+x2)/2, y2, x2, y2)
		lx, ly = (x1+x2)/2, (y1+y2)/2-6+off
	}
	arrow, markers := "->", fmt.Sprintf(` marker-end="url(#arrow-%s)"`, e.status)
	if e.both {
		arrow, markers = "<->", fmt.Sprintf(` marker-start="url(#arrow-%s)" marker-end="url(#arrow-%s)"`, e.status, e.status)
	}
	fmt.Fprintf(b, `<g><title>%s</title><path d="%s" fill="none" stroke="%s" stroke-width="2.5"%s%s/>`,
		esc(fmt.Sprintf("%s %s %s (%s): %s", e.from, arrow, e.to, e.mode, e.status)), path, stroke, dash, markers)
	if len(e.failing) > 0 {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11" fill="%s" text-anchor="middle">%s</text>`, lx, ly, stroke, esc(truncate(strings.Join(e.failing, ", "), 28)))
	}
	b.WriteString("</g>\n")
}

func writeLegend(b *strings.Builder, y int) {
	x := svgMargin
	for _, s := range []Status{OK, Warn, Unknown, Fail} {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="18" height="14" rx="3" fill="%s" stroke="%s" stroke-width="2"/>`, x, y-11, colours[s][0], colours[s][1])
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12" fill="#424242">%s</text>`, x+24, y, s)
		x += 92
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#424242" stroke-width="2.5"/>`, x, y-4, x+36, y-4)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12" fill="#424242">pod-to-pod</text>`, x+42, y)
	x += 130
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#424242" stroke-width="2.5" stroke-dasharray="7 5"/>`, x, y-4, x+36, y-4)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12" fill="#424242">through a gateway</text>`+"\n", x+42, y)
}

func esc(s string) string { return html.EscapeString(s) }

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
