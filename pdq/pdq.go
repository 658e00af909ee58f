package pdq

import "image"

// HashImage returns the PDQ hash and quality (0 to 100) of decoded pixels.
// Images wider or taller than 512 px are first squashed to 512×512 by
// nearest neighbour, as the reference does; images with a side under 5 px
// hash to zero with quality 0. Hashes of quality under 50 should not be
// matched. HashImage keeps no reference to img.
func HashImage(img image.Image) (Hash, int) {
	h, ok := lumaHasher(img)
	if !ok {
		return Hash{}, 0
	}
	defer putHasher(h)
	return h.hash()
}

// HashImageDihedral returns the hashes of the eight dihedral transforms of
// img (see Dihedral) and the quality, from a single DCT.
func HashImageDihedral(img image.Image) (Dihedral, int) {
	h, ok := lumaHasher(img)
	if !ok {
		return Dihedral{}, 0
	}
	defer putHasher(h)
	return h.dihedral()
}

// lumaHasher returns a pooled hasher filled with the luminance of img, or
// false when img is too small to hash.
func lumaHasher(img image.Image) (*hasher, bool) {
	r := img.Bounds()
	if r.Dx() < minHashable || r.Dy() < minHashable {
		return nil, false
	}
	h := hasherPool.Get().(*hasher)
	h.grid.init(r)
	h.rows, h.cols = h.grid.rows, h.grid.cols
	fillLuma(h.buf1[:h.rows*h.cols], img, &h.grid)
	return h, true
}
