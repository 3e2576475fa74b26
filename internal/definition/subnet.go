package definition

import (
	"fmt"
	"strconv"
	"strings"
)

// SubnetID is a cluster's spec.subnet, written "<byteID>/<nybbleID>" in hex
// ("51/5", "CD/D"). The address plan derives the IPv6 ranges from Byte and
// the IPv4 ranges and MetalLB pool from Nybble, as the older tool does.
type SubnetID struct{ Byte, Nybble uint8 }

// String returns the ID as the workshop files write it: the byte as two
// upper-case hex digits, the nybble as one ("51/5", "0A/3").
func (s SubnetID) String() string { return fmt.Sprintf("%02X/%X", s.Byte, s.Nybble) }

// MarshalText writes the String form, so JSON and YAML output read like the
// definition files.
func (s SubnetID) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the form ParseSubnetID accepts.
func (s *SubnetID) UnmarshalText(text []byte) error {
	id, err := ParseSubnetID(string(text))
	if err != nil {
		return err
	}
	*s = id
	return nil
}

const subnetForm = `"<byte>/<nybble>" in hex, such as 51/5`

// ParseSubnetID parses "<byteID>/<nybbleID>": the byte ID is hex from 00 to
// FF, the nybble ID hex from 0 to F, in upper or lower case. Leading zeros
// and blanks around either part are accepted, as the older tool's
// int(x, 16) did.
func ParseSubnetID(s string) (SubnetID, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 2 {
		return SubnetID{}, fmt.Errorf("%q is not %s", s, subnetForm)
	}
	b, berr := parseHexID(parts[0], "byte ID", 0xFF, "00 to FF")
	n, nerr := parseHexID(parts[1], "nybble ID", 0xF, "0 to F")
	var wrong []string
	for _, msg := range []string{berr, nerr} {
		if msg != "" {
			wrong = append(wrong, msg)
		}
	}
	if len(wrong) > 0 {
		return SubnetID{}, fmt.Errorf("%s; want %s", strings.Join(wrong, " and "), subnetForm)
	}
	return SubnetID{Byte: uint8(b), Nybble: uint8(n)}, nil
}

// parseHexID parses one part of a subnet ID, or says what is wrong with it.
func parseHexID(part, what string, limit uint64, valid string) (uint64, string) {
	p := strings.TrimSpace(part)
	switch {
	case p == "":
		return 0, "the " + what + " is missing"
	case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
		return 0, fmt.Sprintf("%s %q must not start with \"0x\"", what, p)
	}
	for _, r := range p {
		if !isHexDigit(r) {
			return 0, fmt.Sprintf("%s %q is not hexadecimal", what, p)
		}
	}
	digits := strings.TrimLeft(p, "0")
	v, err := strconv.ParseUint("0"+digits, 16, 64)
	if err != nil || v > limit {
		return 0, fmt.Sprintf("%s %q is out of range (%s)", what, p, valid)
	}
	return v, ""
}

func isHexDigit(r rune) bool {
	return ('0' <= r && r <= '9') || ('a' <= r && r <= 'f') || ('A' <= r && r <= 'F')
}
