package pdq

import (
	"strings"
	"testing"
)

func TestParseHash(t *testing.T) {
	const valid = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	tests := []struct {
		name, in string
		wantErr  string // substring; empty means success
	}{
		{"lower", valid, ""},
		{"upper", strings.ToUpper(valid), ""},
		{"empty", "", "has 0 characters"},
		{"short", valid[:63], "has 63 characters"},
		{"long", valid + "0", "has 65 characters"},
		{"space", " " + valid[1:], "invalid character ' ' at offset 0"},
		{"non-hex", valid[:10] + "g" + valid[11:], "invalid character 'g' at offset 10"},
		{"0x prefix", "0x" + valid[2:], "invalid character 'x' at offset 1"},
		{"multibyte", "é" + valid[2:], "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHash(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseHash(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := h.String(), strings.ToLower(tt.in); got != want {
				t.Errorf("String() = %s, want %s", got, want)
			}
		})
	}
}

// TestBitOrder pins the reference's layout: bit k lives in 16-bit word
// k>>4, and words are printed as %04x from word 15 down to word 0.
func TestBitOrder(t *testing.T) {
	tests := []struct {
		bit  int
		want string // the non-zero group of four hex digits and its index
		idx  int
	}{
		{0, "0001", 15},
		{8, "0100", 15},
		{15, "8000", 15},
		{16, "0001", 14},
		{255, "8000", 0},
		{3*16 + 5, "0020", 12},
	}
	for _, tt := range tests {
		var h Hash
		h.setBit(tt.bit)
		s := h.String()
		for g := range 16 {
			want := "0000"
			if g == tt.idx {
				want = tt.want
			}
			if got := s[4*g : 4*g+4]; got != want {
				t.Errorf("bit %d: group %d = %s, want %s (hash %s)", tt.bit, g, got, want, s)
			}
		}
		for k := range 256 {
			if h.bit(k) != (k == tt.bit) {
				t.Errorf("bit %d set: bit(%d) = %v", tt.bit, k, h.bit(k))
			}
		}
	}
}

func TestDistance(t *testing.T) {
	var a, b Hash
	if d := Distance(a, b); d != 0 {
		t.Fatalf("Distance(0, 0) = %d", d)
	}
	for k := 0; k < 256; k += 3 {
		b.setBit(k)
	}
	if got, want := Distance(a, b), 86; got != want {
		t.Errorf("Distance = %d, want %d", got, want)
	}
	if Distance(a, b) != Distance(b, a) {
		t.Error("Distance is not symmetric")
	}
	for i := range a {
		a[i] = 0xff
	}
	if got, want := Distance(a, b), 256-86; got != want {
		t.Errorf("Distance from all ones = %d, want %d", got, want)
	}
}

// TestReferenceDistances checks Distance against the reference's own
// "delta" column: the distance of each hash to the previous line's.
func TestReferenceDistances(t *testing.T) {
	rows := mustReadDetails(t)
	for i := 1; i < len(rows); i++ {
		if got := Distance(rows[i].hash, rows[i-1].hash); got != rows[i].delta {
			t.Errorf("%s: distance to previous %d, reference delta %d", rows[i].file, got, rows[i].delta)
		}
		norm := 0
		for k := range 256 {
			if rows[i].hash.bit(k) {
				norm++
			}
		}
		if norm != rows[i].norm {
			t.Errorf("%s: %d bits set, reference norm %d", rows[i].file, norm, rows[i].norm)
		}
	}
}
