package certs

import (
	"fmt"
	"strings"
	"time"
)

// Commands returns, for actions, the step CLI commands a person could run
// by hand to do the same (what the older tool ran), one per line, for a
// dry run to print. Keep actions need no command.
func Commands(actions []Action, opts Options) []string {
	anchorCrt, anchorKey := opts.anchorPaths()
	var cmds []string
	for _, a := range actions {
		if len(a.Files) != 2 {
			continue
		}
		args := []string{"step", "certificate", "create"}
		switch a.Kind {
		case KindCreateAnchor:
			args = append(args, AnchorCN, a.Files[0], a.Files[1],
				"--profile", "root-ca", "--no-password", "--insecure",
				"--kty", "EC", "--crv", "P-256", "--not-after", hours(AnchorValidity))
			// step asks before overwriting; a requested new anchor may replace one.
			if opts.NewAnchor {
				args = append(args, "--force")
			}
		case KindCreateIssuer, KindReplaceIssuer:
			args = append(args, IssuerCN, a.Files[0], a.Files[1],
				"--profile", "intermediate-ca", "--not-after", hours(IssuerValidity),
				"--no-password", "--insecure", "--ca", anchorCrt, "--ca-key", anchorKey,
				"--kty", "EC", "--crv", "P-256")
			if a.Kind == KindReplaceIssuer {
				args = append(args, "--force")
			}
		default:
			continue
		}
		cmds = append(cmds, shellJoin(args))
	}
	return cmds
}

func hours(d time.Duration) string { return fmt.Sprintf("%dh", d/time.Hour) }

func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}

// shellQuote leaves words of safe characters alone, so that the usual
// output reads like the commands workshops show, and single-quotes the rest.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
