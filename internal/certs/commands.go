package certs

import (
	"fmt"
	"time"

	"github.com/localcluster/localcluster/internal/shell"
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
		cmds = append(cmds, shell.Join(args...))
	}
	return cmds
}

func hours(d time.Duration) string { return fmt.Sprintf("%dh", d/time.Hour) }
