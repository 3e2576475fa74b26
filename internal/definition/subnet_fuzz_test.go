package definition

import (
	"math/big"
	"strings"
	"testing"
)

// FuzzParseSubnetID checks ParseSubnetID against a plain model of what the
// older tool accepted (int(part, 16) of each blank-trimmed part, without
// its "0x" and "_" extras), and that what it accepts round-trips.
func FuzzParseSubnetID(f *testing.F) {
	for _, s := range []string{
		"51/5", "CD/D", "cd/d", "01/1", "1/1", "00/0", "FF/F", "0ff/00f", " 51 / 5 ", "100/5", "51/10",
		"51/fffffffffffffffffffff", "5G/5", "51/-1", "0x51/5", "zz/zz", "/5", "51/", "515", "", "5/1/1",
		"\u00a051/5", "51/5\u2028", "+5/5", "٥/5", "0000000000000000000000000000051/5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSubnetID(s)
		want, ok := modelSubnetID(s)
		if ok != (err == nil) {
			t.Fatalf("ParseSubnetID(%q) = %v, %v; the model says ok=%v", s, got, err, ok)
		}
		if !ok {
			if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
				t.Fatalf("ParseSubnetID(%q): badly formed error %q", s, msg)
			}
			return
		}
		if got != want {
			t.Fatalf("ParseSubnetID(%q) = %v, model %v", s, got, want)
		}
		again, err := ParseSubnetID(got.String())
		if err != nil || again != got {
			t.Fatalf("%v does not round-trip through %q: %v, %v", got, got.String(), again, err)
		}
		text, _ := got.MarshalText()
		var u SubnetID
		if err := u.UnmarshalText(text); err != nil || u != got {
			t.Fatalf("text %q of %v reads back as %v, %v", text, got, u, err)
		}
	})
}

// modelSubnetID is the specification, written independently of the
// parser: two blank-trimmed parts of hex digits, the first at most FF, the
// second at most F.
func modelSubnetID(s string) (SubnetID, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 2 {
		return SubnetID{}, false
	}
	var vals [2]uint8
	for i, limit := range []int64{0xFF, 0xF} {
		p := strings.TrimSpace(parts[i])
		if p == "" || strings.Trim(p, "0123456789abcdefABCDEF") != "" {
			return SubnetID{}, false
		}
		v, ok := new(big.Int).SetString(p, 16)
		if !ok || v.Cmp(big.NewInt(limit)) > 0 {
			return SubnetID{}, false
		}
		vals[i] = uint8(v.Int64())
	}
	return SubnetID{Byte: vals[0], Nybble: vals[1]}, true
}
