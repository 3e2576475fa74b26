package workflow

import (
	"net/netip"
	"strings"
)

func joinPrefixes(ps ...netip.Prefix) string {
	var parts []string
	for _, p := range ps {
		if p.IsValid() {
			parts = append(parts, p.String())
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}
