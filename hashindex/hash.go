package hashindex

import (
	"encoding/binary"
	"math/bits"
)

// Hash is a 256-bit perceptual hash. Byte 0 holds the first two hex digits of
// the 64-digit PDQ string, the same layout as pdq.Hash.
type Hash [32]byte

// Match is one bank entry found within the search radius.
type Match struct {
	ID       uint32
	Distance int
}

// Bits is the width of a hash; a radius of Bits or more matches everything.
const Bits = 256

// DefaultRadius is the PDQ matching threshold used by HMA: distance ≤ 31.
const DefaultRadius = 31

const (
	numBoxes   = 16
	boxBits    = 16
	numBuckets = 1 << boxBits
)

// words is a hash as four big-endian 64-bit words, the form every distance is
// computed on.
type words [4]uint64

func toWords(h *Hash) words {
	return words{
		binary.BigEndian.Uint64(h[0:]),
		binary.BigEndian.Uint64(h[8:]),
		binary.BigEndian.Uint64(h[16:]),
		binary.BigEndian.Uint64(h[24:]),
	}
}

func (w *words) hash() Hash {
	var h Hash
	binary.BigEndian.PutUint64(h[0:], w[0])
	binary.BigEndian.PutUint64(h[8:], w[1])
	binary.BigEndian.PutUint64(h[16:], w[2])
	binary.BigEndian.PutUint64(h[24:], w[3])
	return h
}

// box returns bits 16j..16j+15 of the hash (bytes 2j and 2j+1).
func (w *words) box(j int) uint16 {
	return uint16(w[j>>2] >> (48 - 16*uint(j&3)))
}

func (w *words) boxes() (b [numBoxes]uint16) {
	for j := range b {
		b[j] = w.box(j)
	}
	return b
}

func distance(a, b *words) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// Distance returns the Hamming distance between two hashes.
func Distance(a, b Hash) int {
	wa, wb := toWords(&a), toWords(&b)
	return distance(&wa, &wb)
}
