package health

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Colours of the pictures, by status: fill, stroke.
var colours = map[Status][2]string{
	OK:      {"#e3f4e1", "#2e7d32"},
	Skipped: {"#e3f4e1", "#2e7d32"},
	Warn:    {"#fff4d6", "#b26a00"},
	Unknown: {"#ececec", "#6b6b6b"},
	Fail:    {"#fde2e1", "#c62828"},
}

// groups returns the clusters by group, groups sorted, "" (no group) last.
func groups(r *Report) (names []string, members map[string][]ClusterReport) {
	members = map[string][]ClusterReport{}
	for _, c := range r.Clusters {
		members[c.Group] = append(members[c.Group], c)
	}
	for g := range members {
		if g != "" {
			names = append(names, g)
		}
	}
	sort.Strings(names)
	if _, ok := members[""]; ok {
		names = append(names, "")
	}
	return names, members
}

// clusterStatus is the status a picture shows for a cluster; a link's end
// that is not among the report's clusters shows as unknown.
func clusterStatus(r *Report) map[string]Status {
	out := map[string]Status{}
	for _, c := range r.Clusters {
		out[c.Name] = c.Status
	}
	return out
}

func failing(checks []Check) []string {
	var out []string
	for _, ch := range checks {
		if !ch.Status.Healthy() {
			out = append(out, ch.Name)
		}
	}
	return out
}

func nodeID(name string) string {
	var b strings.Builder
	b.WriteString("c_")
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// clusterCaption is the second line of a cluster in the pictures.
func clusterCaption(c ClusterReport) string {
	if f := failing(c.Checks); len(f) > 0 {
		return string(c.Status) + ": " + strings.Join(f, ", ")
	}
	return c.Provider + " · " + string(c.Status)
}

// WriteMermaid draws the lab as a Mermaid flowchart: a subgraph per group,
// an edge per link (dashed through a gateway), coloured by health.
func WriteMermaid(w io.Writer, r *Report) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	names, members := groups(r)
	for _, g := range names {
		indent := "  "
		if g != "" {
			fmt.Fprintf(&b, "  subgraph %s[\"group %s\"]\n", nodeID("g_"+g), g)
			indent = "    "
		}
		for _, c := range members[g] {
			fmt.Fprintf(&b, "%s%s[\"<b>%s</b><br/>%s\"]:::%s\n", indent, nodeID(c.Name), c.Name, clusterCaption(c), c.Status)
		}
		if g != "" {
			b.WriteString("  end\n")
		}
	}
	known := clusterStatus(r)
	for _, l := range r.Links {
		for _, end := range []string{l.Source, l.Target} {
			if _, ok := known[end]; !ok {
				known[end] = Unknown
				fmt.Fprintf(&b, "  %s[\"%s\"]:::unknown\n", nodeID(end), end)
			}
		}
	}
	es := edges(r)
	for _, e := range es {
		arrow := "-->"
		if e.mode == ModeGateway {
			arrow = "-.->"
		}
		if e.both {
			arrow = "<" + arrow
		}
		fmt.Fprintf(&b, "  %s %s|%s| %s\n", nodeID(e.from), arrow, edgeLabel(e), nodeID(e.to))
	}
	for i, e := range es {
		fmt.Fprintf(&b, "  linkStyle %d stroke:%s,stroke-width:2px\n", i, colours[e.status][1])
	}
	for _, s := range []Status{OK, Warn, Unknown, Fail} {
		fmt.Fprintf(&b, "  classDef %s fill:%s,stroke:%s,stroke-width:2px\n", s, colours[s][0], colours[s][1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteDot draws the lab in Graphviz's language: a cluster subgraph per
// group, an edge per link (dashed through a gateway), coloured by health.
func WriteDot(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph lab {\n  label=%s;\n  labelloc=t;\n  rankdir=LR;\n", dotQuote("lab on network "+r.Network+": "+Verdict(r)))
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	names, members := groups(r)
	for _, g := range names {
		indent := "  "
		if g != "" {
			fmt.Fprintf(&b, "  subgraph %s {\n    label=%s;\n    style=rounded;\n    color=\"#9e9e9e\";\n", dotQuote("cluster_"+g), dotQuote("group "+g))
			indent = "    "
		}
		for _, c := range members[g] {
			fmt.Fprintf(&b, "%s%s [label=%s, fillcolor=%q, color=%q];\n", indent, dotQuote(c.Name),
				dotQuote(c.Name+"\n"+clusterCaption(c)), colours[c.Status][0], colours[c.Status][1])
		}
		if g != "" {
			b.WriteString("  }\n")
		}
	}
	for _, e := range edges(r) {
		style := "solid"
		if e.mode == ModeGateway {
			style = "dashed"
		}
		dir := "forward"
		if e.both {
			dir = "both"
		}
		fmt.Fprintf(&b, "  %s -> %s [label=%s, color=%q, fontcolor=%q, style=%s, dir=%s];\n", dotQuote(e.from), dotQuote(e.to),
			dotQuote(edgeLabel(e)), colours[e.status][1], colours[e.status][1], style, dir)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// edgeLabel is the mode of a link, and the checks that do not pass.
func edgeLabel(e edge) string {
	if len(e.failing) > 0 {
		return e.mode + ": " + strings.Join(e.failing, ", ")
	}
	return e.mode
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
