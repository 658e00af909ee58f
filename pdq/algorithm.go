package pdq

import (
	"math"
	"sync"
)

// Constants of the reference implementation.
const (
	maxDim               = 512 // larger images are squashed to maxDim×maxDim first
	minHashable          = 5   // smaller sides hash to zero with quality 0
	jaroszPasses         = 2
	lumaR        float32 = 0.299
	lumaG        float32 = 0.587
	lumaB        float32 = 0.114
)

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

// hasher holds the working buffers for one hash. Buffers are reused through
// hasherPool; they hold luminance only and are overwritten by every use.
type hasher struct {
	buf1, buf2 []float32 // rows×cols luminance, at most maxDim×maxDim
	sums       []float32 // running sums of the column pass, one per column
	a          [64][64]float32
	t          [16][64]float32
	b          [16][16]float32
	aux        [16][16]float32
	rows, cols int
	grid       sampling // which source pixels feed buf1
}

var hasherPool = sync.Pool{New: func() any {
	return &hasher{
		buf1: make([]float32, maxDim*maxDim),
		buf2: make([]float32, maxDim*maxDim),
		sums: make([]float32, maxDim),
	}
}}

// dctFromLuma runs the reference's pdqFloat256FromFloatLuma on buf1: blur
// and decimate to 64×64 (skipped for an exact 64×64 input unless dihedral,
// as in the reference), then the quality metric and the 16×16 DCT into b.
func (h *hasher) dctFromLuma(dihedral bool) (quality int) {
	if h.rows == 64 && h.cols == 64 && !dihedral {
		for i := range 64 {
			copy(h.a[i][:], h.buf1[i*64:(i+1)*64])
		}
	} else {
		h.blurDecimate()
	}
	quality = qualityMetric(&h.a)
	h.dct64To16()
	return quality
}

// hash computes the plain hash from the luminance in buf1.
func (h *hasher) hash() (Hash, int) {
	if h.rows < minHashable || h.cols < minHashable {
		return Hash{}, 0
	}
	q := h.dctFromLuma(false)
	return bitsAboveMedian(&h.b), q
}

// dihedral computes all eight dihedral hashes from the luminance in buf1.
func (h *hasher) dihedral() (Dihedral, int) {
	var d Dihedral
	if h.rows < minHashable || h.cols < minHashable {
		return d, 0
	}
	q := h.dctFromLuma(true)
	b, x := &h.b, &h.aux
	d[Original] = bitsAboveMedian(b)
	for k, transform := range [...]func(i, j int) (ti, tj int, neg bool){
		Rotate90:   func(i, j int) (int, int, bool) { return j, i, j&1 == 0 },
		Rotate180:  func(i, j int) (int, int, bool) { return i, j, (i+j)&1 == 1 },
		Rotate270:  func(i, j int) (int, int, bool) { return j, i, i&1 == 0 },
		FlipX:      func(i, j int) (int, int, bool) { return i, j, i&1 == 0 },
		FlipY:      func(i, j int) (int, int, bool) { return i, j, j&1 == 0 },
		FlipPlus1:  func(i, j int) (int, int, bool) { return j, i, false },
		FlipMinus1: func(i, j int) (int, int, bool) { return j, i, (i+j)&1 == 1 },
	} {
		if transform == nil {
			continue
		}
		for i := range 16 {
			for j := range 16 {
				ti, tj, neg := transform(i, j)
				if neg {
					x[ti][tj] = -b[i][j]
				} else {
					x[ti][tj] = b[i][j]
				}
			}
		}
		d[k] = bitsAboveMedian(x)
	}
	return d, q
}

// blurDecimate is the reference's jaroszFilterFloat on buf1 followed by
// decimateFloat into a. The decimation reads only 64 columns of the blurred
// image and columns are filtered independently, so the last vertical pass
// runs on those 64 columns alone and the last horizontal pass divides only
// there. Every value that is read is computed by exactly the reference's
// float32 operations, in its order.
func (h *hasher) blurDecimate() {
	rows, cols := h.rows, h.cols
	wRows := (cols + 127) / 128 // the window along rows spans columns
	wCols := (rows + 127) / 128
	colIdx, rowIdx := decimationIndex(cols), decimationIndex(rows)
	in, tmp := h.buf1[:rows*cols], h.buf2[:rows*cols]
	for range jaroszPasses - 1 {
		boxRows(in, tmp, rows, cols, wRows, true)
		boxColumns(tmp, in, rows, cols, wCols, h.sums[:cols])
	}

	boxRows(in, tmp, rows, cols, wRows, false) // running sums, undivided
	var div [64]float32
	for k, c := range colIdx {
		div[k] = float32(windowCount(c, cols, wRows))
	}
	narrow := h.buf1[:rows*64] // buf1 is free again
	for r := range rows {
		sums, dst := tmp[r*cols:(r+1)*cols], narrow[r*64:(r+1)*64]
		for k, c := range colIdx {
			dst[k] = sums[c] / div[k]
		}
	}
	out := h.buf2[:rows*64]
	boxColumns(narrow, out, rows, 64, wCols, h.sums[:64])
	for i, r := range rowIdx {
		copy(h.a[i][:], out[r*64:(r+1)*64])
	}
}

// decimationIndex returns the 64 sample positions of decimateFloat along a
// side of n pixels: the centres of 64 equal cells.
func decimationIndex(n int) (idx [64]int) {
	for i := range idx {
		idx[i] = int((float64(i) + 0.5) * float64(n) / 64)
	}
	return idx
}

// windowCount is the number of samples box1D has summed when it writes
// output i of a vector of n: the window shrinks near both ends.
func windowCount(i, n, window int) int {
	half := (window + 2) / 2
	return min(i+half, window, window+n-half-i)
}

// boxRows applies box1D to each row of in (rows×cols), four rows at a time.
// With divide false it stores the running sums instead of the averages.
func boxRows(in, out []float32, rows, cols, window int, divide bool) {
	r := 0
	for ; r+4 <= rows; r += 4 {
		box1D4(in[r*cols:(r+4)*cols], out[r*cols:(r+4)*cols], cols, window, divide)
	}
	for ; r < rows; r++ {
		box1D(in[r*cols:(r+1)*cols], out[r*cols:(r+1)*cols], window, divide)
	}
}

// box1D is the reference's box1DFloat on a contiguous vector: a running
// sum that first grows to half a window, then slides, then shrinks, each
// output divided by the number of samples actually summed (or, with divide
// false, the sum itself). The order of float32 operations (add the right
// sample, then subtract the left one) is the reference's, so the bits agree.
func box1D(in, out []float32, window int, divide bool) {
	half := (window + 2) / 2
	n := len(in)
	var sum float32
	count, ri, li, oi := 0, 0, 0, 0
	put := func() {
		if divide {
			out[oi] = sum / float32(count)
		} else {
			out[oi] = sum
		}
		oi++
	}
	for range half - 1 {
		sum += in[ri]
		ri++
		count++
	}
	for range window - half + 1 {
		sum += in[ri]
		ri++
		count++
		put()
	}
	for range n - window {
		sum += in[ri]
		sum -= in[li]
		ri++
		li++
		put()
	}
	for range half - 1 {
		sum -= in[li]
		li++
		count--
		put()
	}
}

// box1D4 is box1D on four consecutive rows of n samples at once. Each
// row's running sum is a serial chain of float32 additions; interleaving
// four independent chains keeps the processor busy while each waits, and
// every row still sees exactly box1D's operations in box1D's order.
func box1D4(in, out []float32, n, window int, divide bool) {
	in0, in1, in2, in3 := in[:n], in[n:2*n], in[2*n:3*n], in[3*n:4*n]
	out0, out1, out2, out3 := out[:n], out[n:2*n], out[2*n:3*n], out[3*n:4*n]
	half := (window + 2) / 2
	var s0, s1, s2, s3 float32
	count, ri, li, oi := 0, 0, 0, 0
	put := func() {
		if divide {
			c := float32(count)
			out0[oi], out1[oi], out2[oi], out3[oi] = s0/c, s1/c, s2/c, s3/c
		} else {
			out0[oi], out1[oi], out2[oi], out3[oi] = s0, s1, s2, s3
		}
		oi++
	}
	for range half - 1 {
		s0 += in0[ri]
		s1 += in1[ri]
		s2 += in2[ri]
		s3 += in3[ri]
		ri++
		count++
	}
	for range window - half + 1 {
		s0 += in0[ri]
		s1 += in1[ri]
		s2 += in2[ri]
		s3 += in3[ri]
		ri++
		count++
		put()
	}
	// The sliding phase is the hot loop; keep the test of divide out of it.
	if divide {
		c := float32(count)
		for ; ri < n; ri, li, oi = ri+1, li+1, oi+1 {
			s0 += in0[ri]
			s1 += in1[ri]
			s2 += in2[ri]
			s3 += in3[ri]
			s0 -= in0[li]
			s1 -= in1[li]
			s2 -= in2[li]
			s3 -= in3[li]
			out0[oi], out1[oi], out2[oi], out3[oi] = s0/c, s1/c, s2/c, s3/c
		}
	} else {
		for ; ri < n; ri, li, oi = ri+1, li+1, oi+1 {
			s0 += in0[ri]
			s1 += in1[ri]
			s2 += in2[ri]
			s3 += in3[ri]
			s0 -= in0[li]
			s1 -= in1[li]
			s2 -= in2[li]
			s3 -= in3[li]
			out0[oi], out1[oi], out2[oi], out3[oi] = s0, s1, s2, s3
		}
	}
	for range half - 1 {
		s0 -= in0[li]
		s1 -= in1[li]
		s2 -= in2[li]
		s3 -= in3[li]
		li++
		count--
		put()
	}
}

// boxColumns is box1D applied to every column of in (rows×cols, row-major),
// written to out. It walks the rows in order with one running sum per
// column, which performs exactly the per-column operations of the reference
// while reading memory sequentially.
func boxColumns(in, out []float32, rows, cols, window int, sums []float32) {
	half := (window + 2) / 2
	clear(sums)
	count, ri, li, oi := 0, 0, 0, 0
	add := func() {
		src := in[ri*cols : (ri+1)*cols]
		for j, v := range src {
			sums[j] += v
		}
		ri++
	}
	write := func(c float32) {
		dst := out[oi*cols : (oi+1)*cols]
		for j, s := range sums {
			dst[j] = s / c
		}
		oi++
	}
	for range half - 1 {
		add()
		count++
	}
	for range window - half + 1 {
		add()
		count++
		write(float32(count))
	}
	c := float32(count)
	for range rows - window {
		src, old := in[ri*cols:(ri+1)*cols], in[li*cols:(li+1)*cols]
		dst := out[oi*cols : (oi+1)*cols]
		for j := range sums {
			s := sums[j] + src[j]
			s -= old[j]
			sums[j] = s
			dst[j] = s / c
		}
		ri++
		li++
		oi++
	}
	for range half - 1 {
		old := in[li*cols : (li+1)*cols]
		for j, v := range old {
			sums[j] -= v
		}
		li++
		count--
		write(float32(count))
	}
}

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
			lo = min(lo, v)
			hi = max(hi, v)
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
