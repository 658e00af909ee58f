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
}

var hasherPool = sync.Pool{New: func() any {
	return &hasher{
		buf1: make([]float32, maxDim*maxDim),
		buf2: make([]float32, maxDim*maxDim),
		sums: make([]float32, maxDim),
	}
}}

func getHasher(rows, cols int) *hasher {
	h := hasherPool.Get().(*hasher)
	h.rows, h.cols = rows, cols
	return h
}

func putHasher(h *hasher) { hasherPool.Put(h) }

// luma returns the rows×cols luminance buffer to fill.
func (h *hasher) luma() []float32 { return h.buf1[:h.rows*h.cols] }

// dctFromLuma runs the reference's pdqFloat256FromFloatLuma on buf1: blur
// and decimate to 64×64 (skipped for an exact 64×64 input unless dihedral,
// as in the reference), then the quality metric and the 16×16 DCT into b.
func (h *hasher) dctFromLuma(dihedral bool) (quality int) {
	if h.rows == 64 && h.cols == 64 && !dihedral {
		for i := range 64 {
			copy(h.a[i][:], h.buf1[i*64:(i+1)*64])
		}
	} else {
		h.jarosz()
		h.decimate()
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

// jarosz applies the reference's jaroszFilterFloat to buf1 (result in buf1):
// two repetitions of a box filter along rows then along columns.
func (h *hasher) jarosz() {
	rows, cols := h.rows, h.cols
	wRows := (cols + 127) / 128 // window along rows spans columns
	wCols := (rows + 127) / 128
	in, tmp := h.buf1[:rows*cols], h.buf2[:rows*cols]
	for range jaroszPasses {
		for r := range rows {
			box1D(in[r*cols:(r+1)*cols], tmp[r*cols:(r+1)*cols], wRows)
		}
		boxColumns(tmp, in, rows, cols, wCols, h.sums[:cols])
	}
}

// box1D is the reference's box1DFloat on a contiguous vector: a running
// sum that first grows to half a window, then slides, then shrinks, each
// output divided by the number of samples actually summed. The order of
// float32 operations (add the right sample, then subtract the left one) is
// the reference's, so the bits agree.
func box1D(in, out []float32, window int) {
	half := (window + 2) / 2
	n := len(in)
	var sum float32
	count, ri, li, oi := 0, 0, 0, 0
	for range half - 1 {
		sum += in[ri]
		ri++
		count++
	}
	for range window - half + 1 {
		sum += in[ri]
		ri++
		count++
		out[oi] = sum / float32(count)
		oi++
	}
	c := float32(count)
	for range n - window {
		sum += in[ri]
		sum -= in[li]
		ri++
		li++
		out[oi] = sum / c
		oi++
	}
	for range half - 1 {
		sum -= in[li]
		li++
		count--
		out[oi] = sum / float32(count)
		oi++
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

// decimate samples the blurred buf1 at the centres of a 64×64 grid.
func (h *hasher) decimate() {
	rows, cols := h.rows, h.cols
	var colIdx [64]int
	for j := range 64 {
		colIdx[j] = int((float64(j) + 0.5) * float64(cols) / 64)
	}
	for i := range 64 {
		r := int((float64(i) + 0.5) * float64(rows) / 64)
		row := h.buf1[r*cols : (r+1)*cols]
		for j, c := range colIdx {
			h.a[i][j] = row[c]
		}
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
