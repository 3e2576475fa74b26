package k3d

import (
	"strconv"
	"strings"

	"github.com/localcluster/localcluster/internal/provider"
)

// RegistriesYAML is k3s's registries.yaml for ms, which k3d embeds in its
// config (registries.config) and writes to every node. k3s tries each
// mirror endpoint and then the registry's default endpoint, so pulls go on
// when the cache is down.
func RegistriesYAML(ms []provider.Mirror) string {
	var b strings.Builder
	b.WriteString("mirrors:\n")
	for _, m := range provider.SortMirrors(ms) {
		// Registry names and endpoints are checked host names and URLs;
		// a double-quoted Go string of them is a valid YAML string.
		b.WriteString("  " + strconv.Quote(m.Registry) + ":\n")
		b.WriteString("    endpoint:\n")
		b.WriteString("      - " + strconv.Quote(m.Endpoint) + "\n")
	}
	return b.String()
}
