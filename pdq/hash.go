package pdq

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
)

// Hash is a 256-bit PDQ hash. Byte 0 holds the first two hex digits of the
// reference's 64-digit text form, so the byte order is the text order.
type Hash [32]byte

// String returns the hash as 64 lowercase hex digits, the reference format.
func (h Hash) String() string {
	return hex.EncodeToString(h[:])
}

// ParseHash parses exactly 64 hex digits, in either case, as produced by
// String or by the reference tools.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return Hash{}, fmt.Errorf("pdq: hash %.80q has %d characters, want 64 hex digits", s, len(s))
	}
	for i := 0; i < len(s); i++ {
		if fromHex(s[i]) < 0 {
			return Hash{}, fmt.Errorf("pdq: hash has invalid character %q at offset %d, want hex digits", s[i], i)
		}
	}
	for i := range h {
		h[i] = byte(fromHex(s[2*i])<<4 | fromHex(s[2*i+1]))
	}
	return h, nil
}

func fromHex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// Distance returns the Hamming distance between two hashes: the number of
// bits in which they differ, 0 to 256.
func Distance(a, b Hash) int {
	n := 0
	for i := 0; i < len(a); i += 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:]))
	}
	return n
}

// setBit sets bit k of the reference's bit numbering: bit k lives in 16-bit
// word k>>4 at position k&15, and the words are printed from 15 down to 0.
func (h *Hash) setBit(k int) {
	word, bit := k>>4, k&15
	h[(15-word)*2+1-(bit>>3)] |= 1 << (bit & 7)
}

// bit reports bit k in the reference's numbering (see setBit).
func (h *Hash) bit(k int) bool {
	word, bit := k>>4, k&15
	return h[(15-word)*2+1-(bit>>3)]&(1<<(bit&7)) != 0
}

// Dihedral holds the hashes of the eight dihedral transforms of one image,
// in the reference's order: original, rotated 90°, 180° and 270°, flipped
// about the x axis, the y axis, the main diagonal and the anti-diagonal.
// They are derived from one DCT, without transforming pixels.
type Dihedral [8]Hash

// Indexes into Dihedral, in the reference's order. Each names the hash the
// image would have after that transform of its pixels (checked by
// TestDihedralMatchesTransformedPixels).
const (
	Original   = iota
	Rotate90   // 90° counter-clockwise (ImageMagick -rotate 270)
	Rotate180  // half a turn
	Rotate270  // 90° clockwise (ImageMagick -rotate 90)
	FlipX      // upside down, about the horizontal axis (-flip)
	FlipY      // mirrored left to right, about the vertical axis (-flop)
	FlipPlus1  // about the main diagonal (-transpose)
	FlipMinus1 // about the anti-diagonal (-transverse)
)
