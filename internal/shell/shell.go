// Package shell writes text that a POSIX shell (sh, bash, zsh) reads back
// as the words that were meant: the by-hand commands that dry-runs print.
package shell

import "strings"

// safe are the characters that no POSIX shell treats specially anywhere in
// a word. '~' is not among them (it expands at the start of a word and
// after ':' and '=' in assignments), and neither is a leading '=' (zsh
// expands =cmd to the command's path).
const safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-"

// Quote returns s as one shell word, quoted only when it needs to be, so
// that ordinary commands read as people type them.
func Quote(s string) string {
	if s != "" && s[0] != '=' && strings.Trim(s, safe) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join quotes each word and joins them with spaces.
func Join(words ...string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = Quote(w)
	}
	return strings.Join(quoted, " ")
}

// Heredoc returns command fed doc on its standard input through a quoted
// here-document, so that the shell expands nothing inside doc. The
// delimiter is chosen so that no line of doc ends the document early.
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
