package hashindex

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

func randHash(rng *rand.Rand) Hash {
	var h Hash
	for i := 0; i < len(h); i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			h[i+j] = byte(v >> (8 * j))
		}
	}
	return h
}

// flip returns h with k distinct random bits inverted.
func flip(rng *rand.Rand, h Hash, k int) Hash {
	for _, b := range rng.Perm(Bits)[:k] {
		h[b/8] ^= 1 << (b % 8)
	}
	return h
}

// bank is a reference model: what the index should hold.
type bank map[uint32]Hash

func (b bank) bruteForce(q Hash, r int) []Match {
	return newScanner(b).within(q).upTo(r)
}

// scanner is the brute-force reference: every distance, computed plainly.
type scanner struct {
	ids []uint32
	ws  []words
}

func newScanner(b bank) scanner {
	ids, hs := b.slices()
	s := scanner{ids: ids, ws: make([]words, len(hs))}
	for i := range hs {
		s.ws[i] = toWords(&hs[i])
	}
	return s
}

// within returns all entries by distance to q.
func (s scanner) within(q Hash) distances {
	qw := toWords(&q)
	d := make([]uint16, len(s.ids))
	var count [Bits + 2]int
	for i := range s.ws {
		d[i] = uint16(distance(&qw, &s.ws[i]))
		count[d[i]+1]++
	}
	for k := 1; k < len(count); k++ {
		count[k] += count[k-1]
	}
	// A stable counting sort: ids ascend, so ties stay in id order.
	out := make(distances, len(s.ids))
	for i, id := range s.ids {
		out[count[d[i]]] = Match{ID: id, Distance: int(d[i])}
		count[d[i]]++
	}
	return out
}

type distances []Match

func (ds distances) upTo(r int) []Match {
	n, _ := slices.BinarySearchFunc(ds, r+1, func(m Match, d int) int { return cmp.Compare(m.Distance, d) })
	if n == 0 {
		return nil
	}
	return ds[:n]
}

func (b bank) slices() ([]uint32, []Hash) {
	ids := make([]uint32, 0, len(b))
	for id := range b {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	hs := make([]Hash, len(ids))
	for i, id := range ids {
		hs[i] = b[id]
	}
	return ids, hs
}

// randomBank holds n uniformly random hashes under random distinct ids.
func randomBank(rng *rand.Rand, n int) bank {
	b := make(bank, n)
	for len(b) < n {
		b[rng.Uint32()] = randHash(rng)
	}
	return b
}

// clusteredBank holds near-duplicate families: each centre has 10–50 members
// at 0–40 random bit flips from it, as real banks do.
func clusteredBank(rng *rand.Rand, families int) (bank, []Hash) {
	b := make(bank)
	centres := make([]Hash, families)
	for f := range centres {
		centres[f] = randHash(rng)
		for range 10 + rng.IntN(41) {
			b[rng.Uint32()] = flip(rng, centres[f], rng.IntN(41))
		}
	}
	return b, centres
}

// queries mixes random hashes, bank members perturbed by 0–40 bits, and
// extra hashes (e.g. family centres).
func queries(rng *rand.Rand, b bank, extra []Hash, n int) []Hash {
	_, hs := b.slices()
	qs := make([]Hash, 0, n)
	for len(qs) < n {
		switch rng.IntN(4) {
		case 0:
			qs = append(qs, randHash(rng))
		case 1:
			if len(extra) > 0 {
				qs = append(qs, flip(rng, extra[rng.IntN(len(extra))], rng.IntN(20)))
				continue
			}
			fallthrough
		default:
			qs = append(qs, flip(rng, hs[rng.IntN(len(hs))], rng.IntN(41)))
		}
	}
	return qs
}

func assertMatches(tb testing.TB, what string, got, want []Match) {
	tb.Helper()
	if !slices.Equal(got, want) {
		tb.Fatalf("%s: got %d matches, want %d\ngot  %v\nwant %v", what, len(got), len(want), head(got), head(want))
	}
}

func head(ms []Match) []Match { return ms[:min(len(ms), 10)] }

func sortedByID(ms []Match) []Match {
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b Match) int { return cmp.Compare(a.ID, b.ID) })
	return ms
}
