package pdq

import "math"

// dct holds rows 1..16 of the 64-point DCT-II matrix, in float32 as the
// reference stores it: the float scale times a double cosine, rounded once.
var dct = func() (d [16][64]float32) {
	scale := float32(math.Sqrt(2.0 / 64.0))
	for i := range 16 {
		for j := range 64 {
			d[i][j] = float32(float64(scale) * math.Cos(math.Pi/2.0/64.0*float64(i+1)*float64(2*j+1)))
		}
	}
	return d
}()

// qualityMetric sums the quantised gradients between neighbours of the
// 64×64 image, as the reference's pdqImageDomainQualityMetric does.
func qualityMetric(a *[64][64]float32) int {
	sum := 0
	grad := func(u, v float32) int {
		d := int(float32(float32(u-v)*100) / 255)
		if d < 0 {
			return -d
		}
		return d
	}
	for i := range 63 {
		for j := range 64 {
			sum += grad(a[i][j], a[i+1][j])
		}
	}
	for i := range 64 {
		for j := range 63 {
			sum += grad(a[i][j], a[i][j+1])
		}
	}
	return min(sum/90, 100)
}

// dct64To16 computes b = D·a·Dᵀ in float32, each output summed over k in
// increasing order as the reference does. The explicit float32 conversions
// keep the compiler from fusing multiply and add, which would change bits.
func (h *hasher) dct64To16() {
	for i := range 16 {
		t := &h.t[i]
		*t = [64]float32{}
		for k := range 64 {
			d := dct[i][k]
			a := &h.a[k]
			for j := range 64 {
				t[j] += float32(d * a[j])
			}
		}
	}
	for i := range 16 {
		t := &h.t[i]
		for j := range 16 {
			d := &dct[j]
			var sum float32
			for k := range 64 {
				sum += float32(t[k] * d[k])
			}
			h.b[i][j] = sum
		}
	}
}

// bitsAboveMedian sets bit i·16+j where b[i][j] is strictly greater than
// the median of all 256 values.
func bitsAboveMedian(b *[16][16]float32) Hash {
	m := torben(b)
	var h Hash
	for i := range 16 {
		for j := range 16 {
			if b[i][j] > m {
				h.setBit(i*16 + j)
			}
		}
	}
	return h
}

// torben returns the median of the 256 values by Torben Mogensen's
// method, as the reference computes it (for an even count this is the
// lower middle value, found without sorting).
func torben(b *[16][16]float32) float32 {
	m := b[:]
	lo, hi := m[0][0], m[0][0]
	for _, row := range m {
		for _, v := range row {
			if v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
		}
	}
	const half = (256 + 1) / 2
	for {
		guess := (lo + hi) / 2
		less, greater, equal := 0, 0, 0
		maxLT, minGT := lo, hi
		for _, row := range m {
			for _, v := range row {
				switch {
				case v < guess:
					less++
					if v > maxLT {
						maxLT = v
					}
				case v > guess:
					greater++
					if v < minGT {
						minGT = v
					}
				default:
					equal++
				}
			}
		}
		if less <= half && greater <= half {
			switch {
			case less >= half:
				return maxLT
			case less+equal >= half:
				return guess
			default:
				return minGT
			}
		}
		if less > greater {
			hi = maxLT
		} else {
			lo = minGT
		}
	}
}
