package definition

import (
	"encoding/json"
	"testing"
)

func TestParseSubnetID(t *testing.T) {
	tests := []struct {
		in      string
		want    SubnetID
		str     string // String() of the result
		wantErr string
	}{
		{in: "51/5", want: SubnetID{0x51, 0x5}, str: "51/5"},
		{in: "CD/D", want: SubnetID{0xCD, 0xD}, str: "CD/D"},
		{in: "cd/d", want: SubnetID{0xCD, 0xD}, str: "CD/D"},
		{in: "01/1", want: SubnetID{0x01, 0x1}, str: "01/1"},
		{in: "1/1", want: SubnetID{0x01, 0x1}, str: "01/1"},
		{in: "00/0", want: SubnetID{}, str: "00/0"},
		{in: "FF/F", want: SubnetID{0xFF, 0xF}, str: "FF/F"},
		{in: "0ff/00f", want: SubnetID{0xFF, 0xF}, str: "FF/F"},
		{in: " 51 / 5 ", want: SubnetID{0x51, 0x5}, str: "51/5"},
		{in: "100/5", wantErr: `byte ID "100" is out of range (00 to FF); want "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "51/10", wantErr: `nybble ID "10" is out of range (0 to F); want "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "51/fffffffffffffffffffff", wantErr: `nybble ID "fffffffffffffffffffff" is out of range (0 to F); want "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "5G/5", wantErr: `byte ID "5G" is not hexadecimal; want "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "51/-1", wantErr: `nybble ID "-1" is not hexadecimal; want "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "0x51/5", wantErr: `byte ID "0x51" must not start with "0x"; want "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "zz/zz", wantErr: `byte ID "zz" is not hexadecimal and nybble ID "zz" is not hexadecimal; want "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "/5", wantErr: `the byte ID is missing; want "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "51/", wantErr: `the nybble ID is missing; want "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "515", wantErr: `"515" is not "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "", wantErr: `"" is not "<byte>/<nybble>" in hex, such as 51/5`},
		{in: "5/1/1", wantErr: `"5/1/1" is not "<byte>/<nybble>" in hex, such as 51/5`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSubnetID(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseSubnetID(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseSubnetID(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
			again, err := ParseSubnetID(got.String())
			if err != nil || again != got {
				t.Errorf("round trip of %v gave %v, %v", got, again, err)
			}
		})
	}
}

// Every ID prints in the canonical form and parses back to itself.
func TestSubnetIDRoundTripAll(t *testing.T) {
	for b := 0; b <= 0xFF; b++ {
		for n := 0; n <= 0xF; n++ {
			id := SubnetID{Byte: uint8(b), Nybble: uint8(n)}
			s := id.String()
			if len(s) != 4 || s[2] != '/' {
				t.Fatalf("%#v prints as %q, want BB/N", id, s)
			}
			got, err := ParseSubnetID(s)
			if err != nil || got != id {
				t.Fatalf("ParseSubnetID(%q) = %v, %v; want %#v", s, got, err, id)
			}
		}
	}
}

func TestSubnetIDJSON(t *testing.T) {
	in := struct{ S *SubnetID }{&SubnetID{0xCD, 0xD}}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"S":"CD/D"}` {
		t.Errorf("marshalled %s", data)
	}
	var out struct{ S *SubnetID }
	if err := json.Unmarshal(data, &out); err != nil || out.S == nil || *out.S != *in.S {
		t.Errorf("unmarshalled %v, %v", out.S, err)
	}
	if err := json.Unmarshal([]byte(`{"S":"1/10"}`), &out); err == nil {
		t.Errorf("unmarshalling an out-of-range ID succeeded")
	}
}
