package pdq

import "image"

// HashImage returns the PDQ hash and quality (0 to 100) of decoded pixels.
// Images wider or taller than 512 px are first squashed to 512×512 by
// nearest neighbour, as the reference does; images with a side under 5 px
// hash to zero with quality 0. Hashes of quality under 50 should not be
// matched.
//
// Colour channels are used as stored and alpha is ignored, as in the
// reference's ImageMagick decode; an image whose pixels are all grey is
// hashed by its grey values. The common concrete types (YCbCr, Gray, NRGBA,
// RGBA, Paletted, CMYK, 16-bit) are read directly; others go through At.
// HashImage is safe for concurrent use and keeps no reference to img.
func HashImage(img image.Image) (Hash, int) {
	h, ok := lumaHasher(img)
	if !ok {
		return Hash{}, 0
	}
	defer h.release()
	return h.hash()
}

// HashImageDihedral returns the hashes of the eight dihedral transforms of
// img (see Dihedral) and the quality, from a single DCT. Its Original hash
// equals HashImage's except for an exact 64×64 image, which the reference
// hashes unblurred in the plain path but blurs in the dihedral one.
func HashImageDihedral(img image.Image) (Dihedral, int) {
	h, ok := lumaHasher(img)
	if !ok {
		return Dihedral{}, 0
	}
	defer h.release()
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
	var res Result
	res.Width, res.Height = fullSize(img)
	if dihedral {
		res.Dihedral = &Dihedral{}
	}
	hs, ok := lumaHasher(img)
	if !ok {
		return res // too small: zero hashes, quality 0
	}
	defer hs.release()
	if dihedral {
		*res.Dihedral, res.Quality = hs.dihedral()
		res.Hash = res.Dihedral[Original]
	} else {
		res.Hash, res.Quality = hs.hash()
	}
	return res
}

// fullSize returns the size of img before any scaling by the decoder.
func fullSize(img image.Image) (w, h int) {
	if s, ok := img.(*scaledImage); ok {
		return s.fullW, s.fullH
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

// lumaHasher returns a pooled hasher filled with the luminance of img, or
// false when img is too small to hash. An image the decoder scaled down
// from over 512 px is squashed to 512×512 like its full-size original.
func lumaHasher(img image.Image) (*hasher, bool) {
	w, h := fullSize(img)
	squash := w > maxDim || h > maxDim
	if s, ok := img.(*scaledImage); ok {
		img = s.Image
	}
	r := img.Bounds()
	if w < minHashable || h < minHashable || r.Dx() < minHashable || r.Dy() < minHashable {
		return nil, false
	}
	hs := getHasher()
	hs.grid.init(r, squash)
	hs.rows, hs.cols = hs.grid.rows, hs.grid.cols
	fillLuma(hs.buf1[:hs.rows*hs.cols], img, &hs.grid)
	return hs, true
}
