package health

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

var marks = map[Status]string{OK: "✓", Skipped: "-", Warn: "!", Unknown: "?", Fail: "✗"}

// WriteTable writes the report for a person: every check on one line,
// then what is wrong with the command that fixes each, then the verdict.
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tCHECK\tSTATUS\tDETAIL")
	for _, c := range r.Clusters {
		for _, ch := range c.Checks {
			fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\n", c.Name, ch.Name, marks[ch.Status], ch.Status, oneLine(ch.Message))
		}
	}
	if len(r.Links) > 0 {
		fmt.Fprintln(tw, "\t\t\t")
		fmt.Fprintln(tw, "LINK\tCHECK\tSTATUS\tDETAIL")
		for _, l := range r.Links {
			name := fmt.Sprintf("%s -> %s (%s)", l.Source, l.Target, l.Mode)
			for _, ch := range l.Checks {
				fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\n", name, ch.Name, marks[ch.Status], ch.Status, oneLine(ch.Message))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var todo []string
	add := func(who string, ch Check) {
		// Checks skipped because of another one's failure are in the
		// table; here only what to act on.
		if ch.Status.Healthy() && ch.Status != Warn || ch.Status == Unknown && ch.Fix == "" && strings.HasPrefix(ch.Message, notChecked) {
			return
		}
		line := fmt.Sprintf("%s %s %s: %s", marks[ch.Status], who, ch.Name, oneLine(ch.Message))
		if ch.Fix != "" {
			line += "\n    fix: " + ch.Fix
		}
		todo = append(todo, line)
	}
	for _, c := range r.Clusters {
		for _, ch := range c.Checks {
			add(c.Name, ch)
		}
	}
	for _, l := range r.Links {
		for _, ch := range l.Checks {
			add(l.Source+" -> "+l.Target, ch)
		}
	}
	if len(todo) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(todo, "\n"))
	}
	_, err := fmt.Fprintf(w, "\n%s\n", Verdict(r))
	return err
}

// Verdict is the report in one line.
func Verdict(r *Report) string {
	s := r.Summary
	passed := s.OK + s.Warn
	if r.Healthy {
		msg := fmt.Sprintf("Healthy: %d checks pass", passed)
		if s.Warn > 0 {
			msg += fmt.Sprintf(" (%d with a warning)", s.Warn)
		}
		if s.Skipped > 0 {
			msg += fmt.Sprintf(", %d do not apply", s.Skipped)
		}
		return msg + "."
	}
	return fmt.Sprintf("Unhealthy: %d failing, %d unknown, %d pass.", s.Fail, s.Unknown, passed)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
