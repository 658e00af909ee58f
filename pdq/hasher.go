package pdq

import "sync"

// Constants of the reference implementation.
const (
	maxDim               = 512 // larger images are squashed to maxDim×maxDim first
	minHashable          = 5   // smaller sides hash to zero with quality 0
	jaroszPasses         = 2
	lumaR        float32 = 0.299
	lumaG        float32 = 0.587
	lumaB        float32 = 0.114
)

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

func getHasher() *hasher { return hasherPool.Get().(*hasher) }

// release wipes everything derived from the image, a greyscale copy of
// it down to a 64×64 thumbnail, before the buffers go back to the pool:
// the package keeps no pixel data between hashes.
func (h *hasher) release() {
	n := max(h.rows*h.cols, h.rows*64) // blurDecimate uses rows×64 of each
	clear(h.buf1[:n])
	clear(h.buf2[:n])
	clear(h.sums)
	h.a, h.t, h.b, h.aux = [64][64]float32{}, [16][64]float32{}, [16][16]float32{}, [16][16]float32{}
	hasherPool.Put(h)
}

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

// dihedral computes all eight dihedral hashes from the luminance in buf1,
// transforming the DCT instead of the pixels as the reference does: a
// cosine of odd frequency changes sign when its axis is reversed, and a
// transpose swaps the two frequency indexes.
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
