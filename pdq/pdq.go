package pdq

import "image"

// HashImage returns the PDQ hash and quality (0 to 100) of decoded pixels.
// Images wider or taller than 512 px are first squashed to 512×512 by
// nearest neighbour, as the reference does; images with a side under 5 px
// hash to zero with quality 0. Hashes of quality under 50 should not be
// matched. HashImage keeps no reference to img.
func HashImage(img image.Image) (Hash, int) {
	h, ok := lumaHasher(img, false)
	if !ok {
		return Hash{}, 0
	}
	defer hasherPool.Put(h)
	return h.hash()
}

// HashImageDihedral returns the hashes of the eight dihedral transforms of
// img (see Dihedral) and the quality, from a single DCT.
func HashImageDihedral(img image.Image) (Dihedral, int) {
	h, ok := lumaHasher(img, false)
	if !ok {
		return Dihedral{}, 0
	}
	defer hasherPool.Put(h)
	return h.dihedral()
}

// scaledImage is a decoded image that the decoder has already scaled down
// from fullW×fullH (libjpeg-turbo's DCT scaling; see jpeg_turbo.go).
type scaledImage struct {
	image.Image
	fullW, fullH int
}

// hashDecoded hashes the image a decoder returned.
func hashDecoded(img image.Image, dihedral bool) Result {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	squash := false
	if s, ok := img.(*scaledImage); ok {
		img, w, h = s.Image, s.fullW, s.fullH
		squash = w > maxDim || h > maxDim
	}
	res := Result{Width: w, Height: h}
	if dihedral {
		res.Dihedral = &Dihedral{}
	}
	hs, ok := lumaHasher(img, squash)
	if !ok {
		return res // too small: zero hashes, quality 0
	}
	defer hasherPool.Put(hs)
	if dihedral {
		*res.Dihedral, res.Quality = hs.dihedral()
		res.Hash = res.Dihedral[Original]
	} else {
		res.Hash, res.Quality = hs.hash()
	}
	return res
}

// lumaHasher returns a pooled hasher filled with the luminance of img, or
// false when img is too small to hash. With squash set the image is
// squashed to 512×512 whatever its size (see sampling.init).
func lumaHasher(img image.Image, squash bool) (*hasher, bool) {
	r := img.Bounds()
	if r.Dx() < minHashable || r.Dy() < minHashable {
		return nil, false
	}
	h := hasherPool.Get().(*hasher)
	h.grid.init(r, squash)
	h.rows, h.cols = h.grid.rows, h.grid.cols
	fillLuma(h.buf1[:h.rows*h.cols], img, &h.grid)
	return h, true
}
