package health

import (
	"strings"

	"github.com/localcluster/localcluster/internal/shell"
)

var shellWord = shell.Quote

// Fixes names the localcluster commands that repair what a check finds,
// with the directories the user gave.
type Fixes struct {
	Dirs     string // the DIRS argument as given, e.g. "clusters"
	TrustDir string // --trust-dir when not the default, else ""
}

// command is "localcluster VERB [FLAGS] DIRS [NAMES]".
func (f Fixes) command(verb string, names ...string) string {
	parts := []string{"localcluster", verb}
	if f.TrustDir != "" && (strings.HasPrefix(verb, "certs") || strings.HasPrefix(verb, "linkerd")) {
		parts = append(parts, "--trust-dir", shellWord(f.TrustDir))
	}
	parts = append(parts, shellWord(f.Dirs))
	for _, n := range names {
		parts = append(parts, shellWord(n))
	}
	return strings.Join(parts, " ")
}

func (f Fixes) create(c string) string { return f.command("create", c) }
func (f Fixes) start(c string) string  { return f.command("start", c) }
func (f Fixes) route() string          { return f.command("route") }
func (f Fixes) lb(c string) string     { return f.command("lb", c) }
func (f Fixes) linkerd(c string) string {
	return f.command("linkerd", c)
}

func (f Fixes) certs(c string) string {
	return f.command("certs --force", c) + " && " + f.linkerd(c)
}

// link is the command that writes a link again: group for pod-to-pod
// links, link for gateway links.
func (f Fixes) link(l Link) string {
	if l.Gateway {
		return f.command("link --src " + shellWord(l.Source) + " --dst " + shellWord(l.Target))
	}
	return f.command("group", l.Source)
}

func (f Fixes) unlink(source, target string) string {
	return f.command("unlink --src " + shellWord(source) + " --dst " + shellWord(target))
}
