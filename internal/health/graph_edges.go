package health

import (
	"slices"
)

// edge is what the pictures draw for a link, or for the two links of a
// pair of clusters linked both ways in the same mode.
type edge struct {
	from, to string
	both     bool // the link to -> from exists too, and is drawn with this one
	mode     string
	status   Status
	failing  []string
}

// edges pairs the links of the report.
func edges(r *Report) []edge {
	index := map[[3]string]int{}
	var out []edge
	for _, l := range r.Links {
		f := failing(l.Checks)
		if i, ok := index[[3]string{l.Target, l.Source, l.Mode}]; ok && !out[i].both {
			e := &out[i]
			e.both = true
			if severity[l.Status] > severity[e.status] {
				e.status = l.Status
			}
			for _, name := range f {
				if !slices.Contains(e.failing, name) {
					e.failing = append(e.failing, name)
				}
			}
			continue
		}
		index[[3]string{l.Source, l.Target, l.Mode}] = len(out)
		out = append(out, edge{from: l.Source, to: l.Target, mode: l.Mode, status: l.Status, failing: f})
	}
	for i := range out {
		if out[i].status == Skipped {
			out[i].status = OK
		}
	}
	return out
}
