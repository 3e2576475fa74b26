package provider

import (
	"regexp"
	"strings"
)

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// Quote returns s as one shell word, quoting it only when needed.
func Quote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Heredoc returns command fed doc on stdin through a quoted here-document,
// so the shell expands nothing inside doc.
func Heredoc(command string, doc []byte) string {
	body := string(doc)
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	delim := "EOF"
	for hasLine(body, delim) {
		delim += "_"
	}
	return command + " <<'" + delim + "'\n" + body + delim
}

func hasLine(body, line string) bool {
	for _, l := range strings.Split(body, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
